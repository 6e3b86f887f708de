#!/usr/bin/env bash
# Lambda-faithful smoke test: the four functions run as Lambda runs them (the
# Lambda runtime API, API Gateway v2 events, the response JSON turned back
# into HTTP), under `cargo lambda watch`, against DynamoDB (moto).
#
#   bash scripts/lambda-smoke.sh
#
# What it does:
#   1. installs the Python tools (cargo-lambda, moto, …) into .tools/venv
#      (scripts/tools.sh; nothing system-wide);
#   2. builds the functions and the `broadsheet` CLI (debug, in the
#      workspace's own target/ directory, so `cargo test` has done most of it);
#   3. starts moto on a free loopback port (scripts/with-moto.sh), creates a
#      table with a random name and a bucket on its S3, and imports infra/content
#      with the CLI (publishing the search index to the bucket);
#   4. starts `cargo lambda watch` on a free loopback port, routing the site's
#      real paths to the functions ([workspace.metadata.lambda.watch.router]),
#      each function configured as template.yaml configures it on Lambda
#      (BROADSHEET_TABLE, BROADSHEET_SITE_ORIGIN, BROADSHEET_INDEX_BUCKET) plus
#      AWS_ENDPOINT_URL = moto;
#   5. invokes functions with fixtures from infra/events/ (`cargo lambda
#      invoke`): an HTTP API event, a REST API event, a malformed event (400,
#      and the function keeps serving);
#   6. walks the reader's path over HTTP with curl: front page → article → its author page and feed → a search →
#      sign-up form → sign up → comment → the comment on the article → log out
#      → the article anonymous again;
#   7. stops everything it started.
#
# Any unexpected status fails loudly, with the response and the emulator's
# log (target/lambda-smoke/watch.log). The whole run is bounded by
# LAMBDA_SMOKE_TIMEOUT seconds (default 900; a warm run takes well under a minute).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [[ "${1:-}" != "--under-moto" ]]; then
    bash scripts/tools.sh
    # On time-out, `timeout` sends TERM to its whole process group (this
    # script's second run included, which then stops what it started) and,
    # should anything still run 90 s later, KILL.
    exec timeout --kill-after=90 "${LAMBDA_SMOKE_TIMEOUT:-900}" \
        bash scripts/with-moto.sh bash "$0" --under-moto
fi

# From here on: moto runs at $BROADSHEET_TEST_DYNAMODB_ENDPOINT (scripts/with-moto.sh).
export PATH="$repo/.tools/venv/bin:$PATH"
work="$repo/target/lambda-smoke"
rm -rf "$work"
mkdir -p "$work"
log="$work/watch.log"

say() { printf '\n== lambda-smoke: %s\n' "$*"; }
fail() {
    printf '\nlambda-smoke: FAILED: %s\n' "$*" >&2
    if [[ -f "$work/body" ]]; then
        printf -- '--- last response (%s) headers:\n' "${STATUS:-?}" >&2
        cat "$work/headers" >&2 || true
        printf -- '--- body (first 2000 bytes):\n' >&2
        head -c 2000 "$work/body" >&2 || true
        printf '\n' >&2
    fi
    printf -- '--- cargo lambda watch log (last 60 lines of %s):\n' "$log" >&2
    tail -n 60 "$log" >&2 || true
    exit 1
}

free_port() {
    python -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

say "building the functions and the CLI (debug)"
# The functions with the selection `cargo lambda watch` makes (`cargo run --bin NAME`
# at the workspace root: its default members), so that it finds them fresh and
# starts them at once; the CLI, which is not a default member, on its own.
cargo build --locked --quiet --bin broadsheet-listing --bin broadsheet-article \
    --bin broadsheet-login --bin broadsheet-comment --bin broadsheet-search
cargo build --locked --quiet -p broadsheet-cli --bin broadsheet

table="smoke-$(python -c 'import secrets; print(secrets.token_hex(6))')"
endpoint="$BROADSHEET_TEST_DYNAMODB_ENDPOINT"
say "creating table $table on moto and importing infra/content"
target/debug/broadsheet table create --dynamodb-endpoint "$endpoint" --table "$table" >"$work/cli.log" 2>&1 ||
    { cat "$work/cli.log" >&2; fail "broadsheet table create"; }
# The search index goes to a bucket on moto's S3 (same port), as on AWS to IndexBucket.
bucket="$table-index"
python - "$endpoint" "$bucket" <<'PY' || fail "creating the index bucket on moto"
import sys, boto3
boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1").create_bucket(Bucket=sys.argv[2])
PY
target/debug/broadsheet import infra/content --dynamodb-endpoint "$endpoint" --table "$table" \
    --index-bucket "$bucket" --s3-endpoint "$endpoint" >>"$work/cli.log" 2>&1 ||
    { cat "$work/cli.log" >&2; fail "broadsheet import"; }

port="$(free_port)"
base="http://127.0.0.1:$port"
say "starting cargo lambda watch on $base"
# Its own session (process group), so that stopping it stops the function
# processes it started too.
setsid cargo lambda watch --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$port" \
    --env-var "BROADSHEET_TABLE=$table" \
    --env-var "BROADSHEET_SITE_ORIGIN=$base" \
    --env-var "BROADSHEET_INDEX_BUCKET=$bucket" \
    --env-var "AWS_ENDPOINT_URL=$endpoint" \
    --env-var "AWS_ACCESS_KEY_ID=test" \
    --env-var "AWS_SECRET_ACCESS_KEY=test" \
    --env-var "AWS_REGION=us-east-1" \
    --env-var "RUST_LOG=info" \
    >"$log" 2>&1 &
watch_pid=$!
stop_watch() {
    if kill -0 "$watch_pid" 2>/dev/null; then
        kill -TERM -- "-$watch_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$watch_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$watch_pid" 2>/dev/null || true
    fi
    wait "$watch_pid" 2>/dev/null || true
}
trap stop_watch EXIT
trap 'echo "lambda-smoke: stopped by a signal (time-out: LAMBDA_SMOKE_TIMEOUT=${LAMBDA_SMOKE_TIMEOUT:-900} s?)" >&2; exit 143' TERM
trap 'exit 130' INT

# The emulator answers (any status) once it listens.
ready=0
for _ in $(seq 1 300); do
    kill -0 "$watch_pid" 2>/dev/null || fail "cargo lambda watch exited during start-up"
    if curl -s -o /dev/null --max-time 2 "$base/2015-03-31/functions/none/invocations"; then
        ready=1
        break
    fi
    sleep 0.2
done
[[ "$ready" == 1 ]] || fail "cargo lambda watch did not listen on $base within 60 s"

# --- cargo lambda invoke with the repository's fixtures ----------------------------

# invoke FUNCTION FIXTURE-FILE WANT-STATUS: the function's answer must be an
# HTTP response JSON with that status code.
invoke() {
    local out="$work/invoke.json"
    : >"$work/body"
    cargo lambda invoke "$1" --invoke-address 127.0.0.1 --invoke-port "$port" --data-file "$2" \
        --output-format json >"$out" 2>"$work/invoke.err" ||
        { cat "$work/invoke.err" >&2; fail "cargo lambda invoke $1 --data-file $2"; }
    cp "$out" "$work/body"
    STATUS="$(python -c 'import json,sys; print(json.load(open(sys.argv[1]))["statusCode"])' "$out")" ||
        fail "$1: the answer to $2 is no HTTP response"
    [[ "$STATUS" == "$3" ]] || fail "cargo lambda invoke $1 with $2: expected statusCode $3, got $STATUS"
    echo "   $1 ← $(basename "$2"): $STATUS"
}

say "cargo lambda invoke with infra/events fixtures"
invoke broadsheet-listing infra/events/listing-front.json 200
invoke broadsheet-article infra/events/article.rest.json 200
python - infra/events/login-signup-post.rest.json "$work/malformed.json" <<'PY'
import json, sys
event = json.load(open(sys.argv[1]))
event["body"] = "this is not base64!"  # isBase64Encoded stays true
json.dump(event, open(sys.argv[2], "w"))
PY
invoke broadsheet-login "$work/malformed.json" 400
invoke broadsheet-login infra/events/login-signup-form.json 200

# --- the reader's path over HTTP ---------------------------------------------------

declare -A jar=()
STATUS=""

# request METHOD PATH [FIELD=VALUE ...]: sends the request with the cookies
# in the jar (and, for a POST, the fields as a form from the site's own
# origin), then stores the answer's cookies like a browser would.
request() {
    local method="$1" path="$2"
    shift 2
    local args=(-sS --max-time 60 -o "$work/body" -D "$work/headers" -w '%{http_code}' -X "$method")
    local cookies="" name
    for name in "${!jar[@]}"; do
        cookies+="$name=${jar[$name]}; "
    done
    [[ -n "$cookies" ]] && args+=(-H "Cookie: ${cookies%; }")
    if [[ "$method" == POST ]]; then
        args+=(-H "Origin: $base" -H "Content-Type: application/x-www-form-urlencoded")
        local field
        for field in "$@"; do
            args+=(--data-urlencode "$field")
        done
    fi
    STATUS="$(curl "${args[@]}" "$base$path")" || fail "$method $path: no answer"
    local line pair value
    while IFS= read -r line; do
        line="${line%$'\r'}"
        [[ "${line,,}" == set-cookie:* ]] || continue
        pair="${line#*: }"
        pair="${pair%%;*}"
        name="${pair%%=*}"
        value="${pair#*=}"
        if [[ -z "$value" || "${line,,}" == *max-age=0* ]]; then
            unset "jar[$name]"
        else
            jar[$name]="$value"
        fi
    done <"$work/headers"
    echo "   $method $path: $STATUS"
}

expect() { [[ "$STATUS" == "$1" ]] || fail "$2: expected HTTP $1, got $STATUS"; }
contains() { grep -qF -- "$1" "$work/body" || fail "$2: the page lacks \"$1\""; }
header() { sed -n "s/^$1: *//Ip" "$work/headers" | tr -d '\r' | head -n 1; }
field() {
    grep -o "name=\"$1\" value=\"[^\"]*\"" "$work/body" | head -n 1 | sed 's/.*value="//; s/"$//'
}

say "walking the reader's path over HTTP"
request GET /
expect 200 "front page"
article="$(grep -o 'href="/articles/[a-z0-9-]*"' "$work/body" | head -n 1 | sed 's/^href="//; s/"$//')"
[[ -n "$article" ]] || fail "front page: no article link"

request GET "$article"
expect 200 "article $article"
contains "You need to login to leave a comment." "anonymous article"
contains "More in " "anonymous article"
author="$(grep -o 'href="/authors/[a-z0-9-]*"' "$work/body" | head -n 1 | sed 's/^href="//; s/"$//')"
[[ -n "$author" ]] || fail "article: no byline link"

request GET "$author"
expect 200 "author page $author"
request GET "$author/feed.xml"
expect 200 "author feed $author"

request GET "/search?q=otters"
expect 200 "search"
contains "<mark>" "search results"
contains 'href="/articles/vell-river-otters-return-after-thirty-year-absence"' "search results"

request GET "/signup?return_to=$article%23comments"
expect 200 "sign-up form"
[[ -n "${jar[__Host-bs_csrf]:-}" ]] || fail "sign-up form: no __Host-bs_csrf cookie"
csrf="$(field csrf_token)"
[[ "$csrf" == "${jar[__Host-bs_csrf]}" ]] || fail "sign-up form: the hidden csrf_token is not the cookie's"

reader="smoke_$(python -c 'import secrets; print(secrets.token_hex(4))')"
request POST /signup "csrf_token=$csrf" "return_to=$article#comments" "username=$reader" \
    "display_name=Smoke Reader" "password=correct horse battery staple"
expect 303 "sign up"
[[ "$(header location)" == "$article#comments" ]] || fail "sign up: redirected to $(header location)"
[[ -n "${jar[__Host-bs_session]:-}" ]] || fail "sign up: no session cookie"
[[ -z "${jar[__Host-bs_csrf]:-}" ]] || fail "sign up: the __Host-bs_csrf cookie was not expired"

request GET "$article"
expect 200 "article, logged in"
contains "Smoke Reader" "article, logged in"
session_csrf="$(field csrf_token)"
key="$(field idempotency_key)"
[[ -n "$session_csrf" && -n "$key" ]] || fail "article, logged in: no comment form"

comment="Smoke test comment $reader: the otters are back."
request POST "$article/comments" "csrf_token=$session_csrf" "idempotency_key=$key" "body=$comment"
expect 303 "post a comment"
[[ "$(header location)" == "$article#comment-"* ]] || fail "post a comment: redirected to $(header location)"

request GET "$article"
expect 200 "article with the comment"
contains "$comment" "article with the comment"

request POST /logout "csrf_token=$session_csrf"
expect 303 "log out"
[[ -z "${jar[__Host-bs_session]:-}" ]] || fail "log out: the session cookie was not cleared"

request GET "$article"
expect 200 "article after logging out"
contains "You need to login to leave a comment." "article after logging out"
contains "$comment" "article after logging out"

say "passed"
