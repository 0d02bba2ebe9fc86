#!/usr/bin/env bash
# Prepares a Debian 12 / Ubuntu 22.04+ machine to build and test Regjistri: system packages
# (only those missing), the UI's npm packages and tauri-driver. Idempotent; safe to re-run.
#
# Needs, and does not install: Rust via rustup (https://rustup.rs, `cargo` on PATH) and
# Node.js >= 20.19 with npm (https://nodejs.org or the NodeSource packages).
# Runs apt-get as root, or through sudo when run as another user.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
fail() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

packages=(
  build-essential pkg-config libssl-dev        # compilers; SQLCipher links the system OpenSSL
  libwebkit2gtk-4.1-dev librsvg2-dev           # Tauri on Linux (WebKitGTK, GTK, libsoup)
  libdbus-1-dev                                # the Secret Service client (keyring)
  xvfb xauth webkit2gtk-driver                 # headless window + WebKitWebDriver for the e2e test
  gnome-keyring dbus dbus-x11                  # a Secret Service for tests and headless runs
  imagemagick fonts-dejavu-core                # screenshots and the icon script
  postgresql                                   # the central server's tests (with-postgres.sh)
  curl ca-certificates git
)

# --- system packages -------------------------------------------------------------------
if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${packages[@]}"; do
    # dpkg -s succeeds for removed-but-configured packages too; check the status word.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
      missing+=("$p")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing system packages: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then
      sudo=()
    elif command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      fail "not root and no sudo: install these packages first: ${missing[*]}"
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    say "system packages: all present"
  fi
else
  say "WARNING: not a Debian/Ubuntu system (no apt-get); install the equivalents of: ${packages[*]}"
fi

# --- toolchains we do not install --------------------------------------------------------
if [ -d "$HOME/.cargo/bin" ] && [[ ":$PATH:" != *":$HOME/.cargo/bin:"* ]]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || fail "cargo not found. Install Rust with rustup: https://rustup.rs (then open a new shell)."
command -v npm >/dev/null 2>&1 || fail "npm not found. Install Node.js >= 20.19 with npm: https://nodejs.org"
node_version=$(node --version | sed 's/^v//')
node_major=${node_version%%.*}
node_minor=$(echo "$node_version" | cut -d. -f2)
if [ "$node_major" -lt 20 ] || { [ "$node_major" -eq 20 ] && [ "$node_minor" -lt 19 ]; }; then
  fail "Node.js $node_version is too old; the UI needs >= 20.19"
fi
say "cargo $(cargo --version | cut -d' ' -f2), node $node_version, npm $(npm --version)"

# --- rustfmt / clippy (test.sh uses both) --------------------------------------------------
if command -v rustup >/dev/null 2>&1; then
  for c in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
      say "adding rustup component $c"
      rustup component add "$c"
    fi
  done
fi

# --- the UI's packages ------------------------------------------------------------------
if [ -f "$root/ui/package-lock.json" ]; then
  # npm ci wipes node_modules; skip it when the lock file has not changed since the last run.
  stamp="$root/ui/node_modules/.regjistri-lock.sha256"
  want=$(sha256sum "$root/ui/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "ui/node_modules: up to date"
  else
    say "npm ci in ui/"
    (cd "$root/ui" && npm ci --no-audit --no-fund)
    echo "$want" >"$stamp"
  fi
else
  say "WARNING: ui/package-lock.json not found; skipping npm ci"
fi

# --- tauri-driver (WebDriver proxy for the end-to-end test) -------------------------------
if command -v tauri-driver >/dev/null 2>&1; then
  say "tauri-driver: $(command -v tauri-driver)"
else
  say "cargo install tauri-driver --locked (about a minute)"
  cargo install tauri-driver --locked
fi
say "done"
