#!/usr/bin/env bash
# The release build of the functions for Lambda (provided.al2023, arm64),
# with cargo-lambda (cross-linking with Zig), then each function's `bootstrap`
# and the size of the zip that `sam deploy` uploads for it.
#
#   bash scripts/lambda-build.sh          # cargo lambda build --release --arm64
#   bash scripts/lambda-build.sh --sam    # then `sam build` (rust-cargolambda) into .aws-sam/
#
# Needs the Rust target aarch64-unknown-linux-gnu (added with rustup when
# missing); cargo-lambda and Zig come from PyPI into .tools/venv
# (scripts/tools.sh). The build shares the workspace's target/ directory.
# Expect several minutes on two cores: the release profile links each
# function with fat LTO and one codegen unit.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

sam=0
for arg in "$@"; do
    case "$arg" in
        --sam) sam=1 ;;
        *) echo "usage: $0 [--sam]" >&2; exit 2 ;;
    esac
done

bash scripts/tools.sh
export PATH="$repo/.tools/venv/bin:$PATH"
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    rustup target add aarch64-unknown-linux-gnu
fi

functions=(broadsheet-listing broadsheet-article broadsheet-login broadsheet-comment broadsheet-moderation broadsheet-trending broadsheet-search)
bins=()
for f in "${functions[@]}"; do
    bins+=(--bin "$f")
done

echo "== cargo lambda build --release --arm64 (${functions[*]})"
started=$SECONDS
# `--bin` at the workspace root (its default members: the functions and their
# library, never the CLI's extra SDK features): the same selection `sam build` makes for
# each function (template.yaml: CodeUri ".", BuildProperties.Binary), so
# that `sam build` afterwards finds every artifact fresh.
cargo lambda build --release --arm64 --locked "${bins[@]}"
echo "built in $((SECONDS - started)) s"

# One zip per function, as `sam deploy` packages an artifact directory
# (deflate, the bootstrap executable), into target/lambda/NAME/bootstrap.zip.
python - "${functions[@]}" <<'PY'
import os, sys, zipfile

print(f"{'function':<20} {'bootstrap':>12} {'zip':>12}  arch")
for name in sys.argv[1:]:
    binary = os.path.join("target", "lambda", name, "bootstrap")
    with open(binary, "rb") as f:
        header = f.read(20)
    # ELF e_machine (offset 18, little endian): 183 is AArch64.
    arch = "arm64" if header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 183 else "NOT ARM64"
    archive = binary + ".zip"
    info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16  # a regular, executable file
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(binary, "rb") as f, zipfile.ZipFile(archive, "w") as z:
        z.writestr(info, f.read())
    size, zsize = os.path.getsize(binary), os.path.getsize(archive)
    print(f"{name:<20} {size:>12,} {zsize:>12,}  {arch}")
    if arch != "arm64":
        sys.exit(f"{binary} is not an arm64 ELF binary")
PY

if [[ "$sam" == 1 ]]; then
    echo "== sam build (BuildMethod rust-cargolambda)"
    started=$SECONDS
    SAM_CLI_TELEMETRY=0 sam build --template template.yaml
    echo "sam build in $((SECONDS - started)) s"
    for fn in ListingFunction ArticleFunction LoginFunction CommentFunction ModerationFunction TrendingFunction; do
        ls -l ".aws-sam/build/$fn/bootstrap"
    done
fi
