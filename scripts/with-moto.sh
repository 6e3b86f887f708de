#!/usr/bin/env bash
# Runs a command with a private DynamoDB-compatible server (moto) next to it.
#
#   bash scripts/with-moto.sh cargo test -p broadsheet-tests --test store_contract
#
# What it does, and why:
#   * installs moto's server mode from PyPI into .tools/venv the first
#     time (a venv, so nothing touches the system Python; pinned to moto 5.x
#     because its DynamoDB behaviour is what the contract suite was written
#     against);
#   * asks the OS for a free loopback port, so parallel runs (two terminals,
#     two CI jobs) never collide;
#   * starts moto's server there (one request at a time, as DynamoDB applies
#     each atomically: scripts/moto_serial.py), logging to target/moto.log, and waits
#     (at most ~30 s) until it answers HTTP;
#   * exports for the command:
#       BROADSHEET_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:$PORT
#       AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
#     (moto accepts any credentials; the dummy ones keep the SDK's default
#     chain from looking for real ones, and from reaching real AWS);
#   * runs the command, stops moto when it ends (also on Ctrl-C or error),
#     and exits with the command's exit code.
#
# Works from any directory. Needs python3 with the venv module.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV="$tools/venv"
MOTO_SPEC='moto[server]>=5.1,<6'
LOG="$repo/target/moto.log"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

# Installs moto unless it is there: checked again under the lock, where
# another run may have installed it meanwhile.
install_moto() {
    [ -x "$VENV/bin/moto_server" ] && return
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV"
        python3 -m venv "$VENV"
    fi
    say "installing $MOTO_SPEC (first run only)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$MOTO_SPEC"
}

mkdir -p "$tools" "$repo/target"
if [ ! -x "$VENV/bin/moto_server" ]; then
    with_install_lock install_moto
fi

PORT="$("$VENV/bin/python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()')"
ENDPOINT="http://127.0.0.1:$PORT"

# One request at a time, as DynamoDB applies each atomically (see moto_serial.py).
"$VENV/bin/python" "$repo/scripts/moto_serial.py" 127.0.0.1 "$PORT" >"$LOG" 2>&1 &
MOTO_PID=$!

stop_moto() {
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
}
trap stop_moto EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Any HTTP answer (even an error status) means the server is up.
ready=0
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
        say "moto_server exited during start-up; its log ($LOG):"
        cat "$LOG" >&2 || true
        exit 1
    fi
    if "$VENV/bin/python" - "$ENDPOINT" <<'PY' 2>/dev/null; then
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
except urllib.error.HTTPError:
    pass
PY
        ready=1
        break
    fi
    sleep 0.1
done
if [ "$ready" -ne 1 ]; then
    say "moto_server did not answer on $ENDPOINT within 30 s; log: $LOG"
    exit 1
fi

export BROADSHEET_TEST_DYNAMODB_ENDPOINT="$ENDPOINT"
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE

status=0
"$@" || status=$?
exit "$status"
