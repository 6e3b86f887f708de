# Sourced (never run) by the scripts that install tools into .tools/:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It sets `repo` (the repository's root, from wherever the script is run) and
# `tools` (.tools/ in it: git-ignored, never system-wide), and defines:
#
#   say MESSAGE...              MESSAGE on stderr, after the script's name
#                               (`with-moto: …`), so a test log shows which
#                               step is talking;
#   with_install_lock CMD...    runs CMD holding .tools/.install.lock, so two
#                               runs started at once (two terminals, two CI
#                               jobs) never install into .tools together.
#                               Where there is no `flock` (macOS) CMD runs
#                               unlocked, as it would have without this.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"

say() {
    echo "$(basename "$0" .sh): $*" >&2
}

with_install_lock() {
    mkdir -p "$tools"
    if command -v flock >/dev/null 2>&1; then
        (
            flock 9
            "$@"
        ) 9>"$tools/.install.lock"
    else
        "$@"
    fi
}
