#!/usr/bin/env bash
# Runs every test of the project. Installs what the tests need itself: moto (a
# DynamoDB-compatible server), SAM CLI and cfn-lint into .tools/venv;
# cargo-machete into .tools/cargo (no crate may declare a dependency it does
# not use); vnu-jar and axe-core into .tools/node; Debian's chromium,
# chromium-driver and a JRE with apt-get when they are missing. Starts moto on a free loopback port for
# the DynamoDB tests and stops it afterwards.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh -p broadsheet   # extra arguments go to `cargo test`
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

step() { printf '\n== %s\n' "$*"; }

step "installing test tools into .tools/venv and .tools/cargo"
bash scripts/tools.sh
export PATH="$repo/.tools/venv/bin:$repo/.tools/cargo/bin:$PATH"

step "installing browser-test tools (Chromium, chromedriver, a JRE; vnu-jar and axe-core into .tools/node)"
bash scripts/browser-tools.sh

step "checking for unused dependencies (cargo machete)"
cargo machete

step "checking template.yaml (sam validate --lint, cfn-lint)"
SAM_CLI_TELEMETRY=0 AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  sam validate --lint --template template.yaml
cfn-lint template.yaml

step "cargo test (DynamoDB tests run against moto)"
bash scripts/with-moto.sh cargo test --workspace --locked "$@"

# The Lambda-faithful walk needs the whole workspace; skip it when the caller
# narrowed `cargo test` to part of it with extra arguments.
if [[ $# -eq 0 ]]; then
  step "Lambda smoke test (cargo lambda watch + moto: a reader's visit over HTTP)"
  bash scripts/lambda-smoke.sh
fi

# The release arm64 build (cargo-lambda + zig) needs the aarch64 standard
# library from rustup, which is not one of the package registries CI can
# reach, and adds ~6 minutes: opt in with BROADSHEET_LAMBDA_BUILD=1.
if [[ "${BROADSHEET_LAMBDA_BUILD:-0}" == 1 ]]; then
  step "release build for Lambda (arm64) and sam build"
  bash scripts/lambda-build.sh --sam
fi
