#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md and prints a summary; BENCHMARKS.md
# records what it printed. Not part of the test command: it takes minutes
# (two release builds) and its figures are read by people, never asserted.
#
#   bash scripts/bench.sh            # everything
#   BENCH_SKIP=size,load bash scripts/bench.sh   # skip steps: build, handlers, search, pageweight, compression, spike,
#                                                # roundtrips, coldstart, size, load
#
# What it does, in order (each step's table also lands in target/bench/*.md):
#   1. tools: moto (via scripts/with-moto.sh), wrk (Debian package; needs root
#      or sudo, installed only when missing), cargo-lambda + ziglang (PyPI,
#      into .tools/venv, by scripts/tools.sh);
#   2. one native release build of the workspace (functions, hello-world
#      reference, harness binaries, `broadsheet serve`);
#   3. handler time: criterion, each handler beside a hello-world handler;
#   4. page weight: HTML bytes of each page type; compression: bytes and time
#      at each Brotli quality and gzip level beside the page's render time;
#   4b. search: bench-search, handler medians for three kinds of query on the
#      sample and on a seeded 20,000-article corpus beside the listing front
#      page, 40 queries not asked before, the corpus's import and index build time, index size (the search
#      function's cold start, index loaded from moto's S3, is step 6's);
#   5. DynamoDB requests per route: tests/tests/round_trips.rs against moto;
#   5b. spike: nginx (Debian package, installed when missing) set up as the CDN's
#      cache policy in front of the origin on moto, a crowd on one story and the
#      front page, then the same straight at the origin (bench/src/bin/spike.rs);
#   6. cold start: bench-coldstart against moto (init, first response, peak RSS);
#   7. size: release arm64 `bootstrap` and zip of each function and of the
#      hello-world, built and zipped by scripts/lambda-build.sh (so deploys
#      and this report build the same way);
#   8. load: wrk against `broadsheet serve` (release, memory store) on
#      loopback, 10 s per page, zero errors required; peak RSS of the server.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
out="$repo/target/bench"
mkdir -p "$out"
started=$SECONDS
skip=",${BENCH_SKIP:-},"

step() { printf '\n== %s (%ds)\n' "$*" "$((SECONDS - started))"; }
wanted() { [[ "$skip" != *",$1,"* ]]; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# ---- 1. tools -----------------------------------------------------------------
step "tools"
if wanted spike && ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "bench: installing nginx (Debian package; the spike's HTTP cache)"
    as_root apt-get install -y nginx >/dev/null 2>&1 || { as_root apt-get update >/dev/null && as_root apt-get install -y nginx >/dev/null; }
fi
if wanted load && ! command -v wrk >/dev/null 2>&1; then
    echo "bench: installing wrk (Debian package)"
    as_root apt-get install -y wrk >/dev/null 2>&1 || { as_root apt-get update >/dev/null && as_root apt-get install -y wrk >/dev/null; }
fi
if wanted size; then
    # cargo-lambda and Zig come with the test tools (scripts/requirements-test.txt).
    bash scripts/tools.sh
fi
# cargo-lambda finds Zig (PyPI's ziglang) through PATH.
export PATH="$repo/.tools/venv/bin:$PATH"
{
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GB RAM"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "toolchain: $(rustc --version)"
} | tee "$out/machine.md"

# ---- 2. build -------------------------------------------------------------------
# One build for every native step: the functions, the reference, the harness
# binaries, `broadsheet serve` and the criterion benchmark (built with the
# release profile, and run directly below rather than through `cargo bench`,
# which would build everything again with the bench profile).
if wanted build; then
    step "native release build (cargo build --release --workspace --bins --bench handlers)"
    cargo build --release --locked --workspace --bins --bench handlers --message-format=json-render-diagnostics \
        | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "handlers" and m.get("executable"):
        print(m["executable"])' >"$out/handlers-exe"
fi

# ---- 3. handler time ----------------------------------------------------------
if wanted handlers; then
    step "handler time (criterion)"
    [ -s "$out/handlers-exe" ] || { echo "bench: no benchmark executable; run without BENCH_SKIP=build" >&2; exit 1; }
    rm -f target/criterion/broadsheet-handlers.md
    CRITERION_HOME="$repo/target/criterion" "$(cat "$out/handlers-exe")" --bench 2>&1 \
        | tee "$out/criterion.log" | grep -E '^(handlers/|\s+time:)' || true
    cp target/criterion/broadsheet-handlers.md "$out/handlers.md"
    cat "$out/handlers.md"
fi

# ---- 4. page weight -------------------------------------------------------------
if wanted pageweight; then
    step "page weight"
    target/release/bench-pageweight "$out/pageweight.md" >/dev/null
    cat "$out/pageweight.md"
fi

# ---- 4b. compression ------------------------------------------------------------
if wanted compression; then
    step "compression at the origin"
    target/release/bench-compression "$out/compression.md" >/dev/null
    cat "$out/compression.md"
fi

# ---- 4c. search ------------------------------------------------------------------
if wanted search; then
    step "search (bench-search: handler medians, index size, import on the sample and 20,000 generated articles)"
    target/release/bench-search --out "$out/search.md" >/dev/null
    cat "$out/search.md"
fi

# ---- 5. DynamoDB requests per route ---------------------------------------------
if wanted roundtrips; then
    step "DynamoDB requests per route (tests/tests/round_trips.rs, moto)"
    bash scripts/with-moto.sh cargo test --locked -p broadsheet-tests --test round_trips -- --nocapture \
        2>&1 | tee "$out/roundtrips.log" | grep -E '^\|' >"$out/roundtrips.md" || true
    grep -q 'test result: ok' "$out/roundtrips.log" || { echo "bench: the round-trip test failed" >&2; exit 1; }
    { echo "DynamoDB requests per route (counted by the SDK interceptor against moto)"; echo; cat "$out/roundtrips.md"; } >"$out/roundtrips.tmp"
    mv "$out/roundtrips.tmp" "$out/roundtrips.md"
    cat "$out/roundtrips.md"
fi

# ---- 5b. spike -------------------------------------------------------------------
if wanted spike; then
    step "spike (bench-spike: a crowd through nginx set up as the CDN, then straight at the origin; moto)"
    bash scripts/with-moto.sh target/release/bench-spike --out "$out/spike.md" >/dev/null
    cat "$out/spike.md"
fi

# ---- 6. cold start --------------------------------------------------------------
if wanted coldstart; then
    step "cold start (bench-coldstart, moto)"
    bash scripts/with-moto.sh target/release/bench-coldstart --runs "${BENCH_COLDSTART_RUNS:-10}" --out "$out/coldstart.md" >/dev/null
    cat "$out/coldstart.md"
fi

# ---- 7. size --------------------------------------------------------------------
if wanted size; then
    step "size (release, arm64, cargo-lambda)"
    # The four functions exactly as deploys build and zip them; then the
    # reference, built and zipped the same way.
    bash scripts/lambda-build.sh
    cargo lambda build --release --arm64 --locked -p broadsheet-bench --bin bench-hello
    {
        echo "Size: release arm64 \`bootstrap\` (cargo lambda build --release --arm64) and its zip (deflate, as \`sam deploy\` uploads it)"
        echo
        echo "| function | bootstrap (bytes) | zip (bytes) | zip (MB) | × hello-world zip | budget zip ≤ 4 MB |"
        echo "|---|--:|--:|--:|--:|:-:|"
    } >"$out/size.md"
    python3 - "$out/size.md" <<'PY'
import os, sys, zipfile

rows, hello = [], None
for name in ["bench-hello", "broadsheet-listing", "broadsheet-article", "broadsheet-login", "broadsheet-comment", "broadsheet-search"]:
    binary = os.path.join("target", "lambda", name, "bootstrap")
    archive = binary + ".zip"
    if name == "bench-hello":
        # What scripts/lambda-build.sh does for the functions: one executable, deflated.
        info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o100755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(binary, "rb") as f, zipfile.ZipFile(archive, "w") as z:
            z.writestr(info, f.read())
    size, zsize = os.path.getsize(binary), os.path.getsize(archive)
    hello = hello or zsize
    verdict = "reference" if name == "bench-hello" else ("met" if zsize <= 4_000_000 else "OVER")
    rows.append(f"| {name} | {size:,} | {zsize:,} | {zsize / 1e6:.2f} | {zsize / hello:.1f}× | {verdict} |")
with open(sys.argv[1], "a") as out:
    out.write("\n".join(rows) + "\n")
PY
    cat "$out/size.md"
fi

# ---- 8. load --------------------------------------------------------------------
if wanted load; then
    step "load (wrk against broadsheet serve, release, memory store)"
    log="$out/serve.log"
    RUST_LOG="warn,broadsheet_cli::cli=info" NO_COLOR=1 target/release/broadsheet serve --addr 127.0.0.1:0 >"$log" 2>&1 &
    serve_pid=$!
    trap 'kill "$serve_pid" 2>/dev/null || true' EXIT
    base=""
    for _ in $(seq 1 100); do
        base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1 || true)
        [ -n "$base" ] && break
        sleep 0.1
    done
    [ -n "$base" ] || { echo "bench: broadsheet serve did not start; log: $log" >&2; exit 1; }
    article="/articles/vell-river-otters-return-after-thirty-year-absence"
    {
        echo "Load: wrk -t2 -c32 -d10s --latency, loopback, against broadsheet serve (release, memory store, request logging off)"
        echo
        echo "| page | HTML bytes served | requests/s | p50 | p99 | errors |"
        echo "|---|--:|--:|--:|--:|--:|"
    } >"$out/load.md"
    for path in / "$article"; do
        bytes=$(curl -sf "$base$path" | wc -c)
        wrk -t2 -c32 -d10s --latency "$base$path" >"$out/wrk.txt"
        rps=$(awk '/^Requests\/sec:/ {print $2}' "$out/wrk.txt")
        p50=$(awk '$1 == "50%" {print $2}' "$out/wrk.txt")
        p99=$(awk '$1 == "99%" {print $2}' "$out/wrk.txt")
        errors=$(awk '/Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} /Non-2xx or 3xx/ {n += $NF} END {print n + 0}' "$out/wrk.txt")
        echo "| \`$path\` | $bytes | $rps | $p50 | $p99 | $errors |" >>"$out/load.md"
        [ "$errors" -eq 0 ] || { echo "bench: $errors errors under load on $path" >&2; cat "$out/wrk.txt" >&2; exit 1; }
    done
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$serve_pid/status")
    kill "$serve_pid"
    wait "$serve_pid" 2>/dev/null || true
    trap - EXIT
    awk -v k="$hwm" 'BEGIN { printf "\npeak RSS of broadsheet serve after both runs (VmHWM): %.1f MiB\n", k / 1024 }' >>"$out/load.md"
    cat "$out/load.md"
fi

# ---- summary --------------------------------------------------------------------
step "summary"
for f in machine handlers search pageweight compression roundtrips spike coldstart size load; do
    if [ -f "$out/$f.md" ]; then
        echo
        cat "$out/$f.md"
    fi
done
echo
echo "bench: done in $((SECONDS - started)) s; tables in target/bench/"
