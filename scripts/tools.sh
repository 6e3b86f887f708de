#!/usr/bin/env bash
# Installs the test tools: the Python ones listed in scripts/requirements-test.txt
# into .tools/venv, and cargo-machete (unused-dependency check) from crates.io
# into .tools/cargo. Does nothing when they are already installed at these versions.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.tools/venv"

# cargo-machete finds dependencies a crate declares but never uses; pinned, and
# built with its own lock file so a new release of a dependency cannot break it.
machete_version="0.9.2"
machete="$repo/.tools/cargo/bin/cargo-machete"
if [[ ! -x "$machete" || "$("$machete" --version 2>/dev/null)" != *"$machete_version"* ]]; then
  cargo install --quiet cargo-machete --version "$machete_version" --locked --root "$repo/.tools/cargo"
fi

req="$repo/scripts/requirements-test.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
