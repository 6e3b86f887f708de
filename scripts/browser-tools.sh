#!/usr/bin/env bash
# Installs what the browser tests (tests/tests/browser.rs) need, idempotently:
#
#   * Chromium and its WebDriver (Debian packages `chromium`, `chromium-driver`:
#     /usr/bin/chromium, /usr/bin/chromedriver, always the same version);
#   * a Java runtime for the Nu HTML Checker (`default-jre-headless`), only
#     when `java` is missing;
#   * npm (Debian `npm`), only when it is missing;
#   * the Nu HTML Checker and axe-core from npm, at pinned versions, into
#     .tools/node (git-ignored, never global):
#       .tools/node/node_modules/vnu-jar/build/dist/vnu.jar
#       .tools/node/node_modules/axe-core/axe.min.js
#
# `apt-get update` runs only when a package is actually missing, so a machine
# that has everything pays a few `command -v` calls and one file comparison.
# Installing Debian packages needs root (CI runs as root) or sudo.
#
# The tests look for the tools at those paths; environment variables override
# them (see tests/src/webdriver.rs): BROADSHEET_CHROMEDRIVER,
# BROADSHEET_CHROMIUM, BROADSHEET_JAVA, BROADSHEET_VNU_JAR, BROADSHEET_AXE_JS.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Pinned: a new checker or axe release can add rules, which should be a
# deliberate change here, not a surprise in CI.
VNU_VERSION="26.9.27"
AXE_VERSION="4.14.1"

prefix="$tools/node"
stamp="$prefix/.versions"
want="vnu-jar@$VNU_VERSION axe-core@$AXE_VERSION"

apt_packages=()
# Without recommends (they pull in udev, printing, notifications); the fonts
# Chromium would recommend are named instead, so pages render as on a desktop.
command -v chromium >/dev/null 2>&1 || [[ -n "${BROADSHEET_CHROMIUM:-}" ]] \
  || apt_packages+=(chromium fonts-liberation fonts-dejavu-core)
command -v chromedriver >/dev/null 2>&1 || [[ -n "${BROADSHEET_CHROMEDRIVER:-}" ]] \
  || apt_packages+=(chromium-driver)
command -v java >/dev/null 2>&1 || [[ -n "${BROADSHEET_JAVA:-}" ]] || apt_packages+=(default-jre-headless)
npm_needed=0
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  npm_needed=1
  command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
fi

if ((${#apt_packages[@]})); then
  say "installing ${apt_packages[*]} with apt-get"
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      say "need root (or sudo) to install ${apt_packages[*]}"
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

if ((npm_needed)); then
  say "installing $want into $prefix"
  mkdir -p "$prefix"
  # Its own package.json, so npm never walks up into another project's.
  [[ -f "$prefix/package.json" ]] || echo '{"private": true}' >"$prefix/package.json"
  npm install --prefix "$prefix" --no-audit --no-fund --save-exact --loglevel=error \
    "vnu-jar@$VNU_VERSION" "axe-core@$AXE_VERSION"
  echo "$want" >"$stamp"
fi

for f in "$prefix/node_modules/vnu-jar/build/dist/vnu.jar" "$prefix/node_modules/axe-core/axe.min.js"; do
  [[ -f "$f" ]] || { say "$f is missing after install"; exit 1; }
done
