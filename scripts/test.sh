#!/usr/bin/env bash
# THE command that runs every test of Regjistri, in the order a failure is cheapest to find:
# formatting, lints, the Rust tests (against a throwaway Secret Service and PostgreSQL), the generated
# TypeScript being committed, the UI tests, the release build, and the end-to-end test of
# the real window under Xvfb. Stops at the first failure and says which stage it was.
#
#   scripts/test.sh            (CI: bash .ci/run, as root, CI=true)
#
# On a fresh Debian 12 machine it installs what is missing first (scripts/setup.sh).
# From a clean clone on 2 cores: about 30 minutes, most of it compiling.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ -d "$HOME/.cargo/bin" ] && [[ ":$PATH:" != *":$HOME/.cargo/bin:"* ]]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi

stages=()
current=""
started_all=$(date +%s)

summary() {
  local status=$1
  echo
  echo "──────── test.sh summary ────────"
  for s in "${stages[@]}"; do echo "  $s"; done
  if [ "$status" -ne 0 ] && [ -n "$current" ]; then
    echo "  FAILED at stage: $current (exit $status)"
  fi
  echo "  total $(( $(date +%s) - started_all )) s"
}
trap 'summary $?' EXIT

# stage NAME COMMAND...: runs COMMAND, records its duration; set -e stops at a failure.
stage() {
  current=$1
  shift
  printf '\n\033[1;34m==> [%s] %s\033[0m\n' "$(date +%H:%M:%S)" "$current"
  local t0
  t0=$(date +%s)
  "$@"
  stages+=("$(printf '%-40s %5d s' "$current" $(( $(date +%s) - t0 )))")
  current=""
}

generated_types_committed() {
  # cargo test (ts-rs) rewrote ui/src/generated; any difference, or a new file, means the
  # committed TypeScript does not match the Rust types.
  git diff --exit-code --stat -- ui/src/generated
  local untracked
  untracked=$(git ls-files --others --exclude-standard -- ui/src/generated)
  if [ -n "$untracked" ]; then
    echo "generated TypeScript not committed:" >&2
    echo "$untracked" >&2
    return 1
  fi
}

e2e() {
  rm -rf artifacts/e2e && mkdir -p artifacts/e2e  # no stale screenshots from an earlier run
  # A screen larger than the 1280×800 window, in true colour (xvfb-run's default is 640×480×8).
  # The synchronisation path starts the real regjistri-server on a throwaway PostgreSQL.
  xvfb-run -a -s "-screen 0 1920x1080x24" scripts/with-postgres.sh scripts/with-keyring.sh \
    cargo test --release --features custom-protocol --test e2e_window -- --ignored --nocapture --test-threads=1
}

stage "setup (system packages, npm ci, tauri-driver)" bash scripts/setup.sh
stage "cargo fmt --check" cargo fmt --all --check
# The UI first: it is quick, and the Tauri build expects ui/dist to exist.
stage "ui: build (tsc + vite)" bash -c 'cd ui && npm run build'
stage "cargo clippy -D warnings" cargo clippy --workspace --all-targets -- -D warnings
# Against a throwaway Secret Service and a throwaway PostgreSQL (the central server's tests),
# unless DATABASE_URL names one.
stage "cargo test --workspace (keyring, PostgreSQL)" \
  scripts/with-postgres.sh scripts/with-keyring.sh cargo test --workspace
stage "generated TypeScript committed" generated_types_committed
stage "ui: npm test" bash -c 'cd ui && npm test'
# One release build of the app, with the features and dev-dependencies the e2e test uses
# (a plain `cargo build --release` would be a second, slightly different build).
stage "release build: regjistri CLI and server" cargo build --release -p regjistri-cli -p regjistri-server
stage "release build: app (custom-protocol)" \
  cargo test --release --features custom-protocol --test e2e_window --no-run
stage "e2e: window over WebDriver (Xvfb)" e2e
echo
echo "All stages passed. Screenshots: artifacts/e2e/"
