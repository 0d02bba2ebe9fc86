#!/usr/bin/env bash
# Runs COMMAND... inside a private D-Bus session with a throwaway gnome-keyring, unlocked,
# serving the Secret Service. Keys written there vanish afterwards: for tests and headless
# demos only. HOME stays as it is (rustup and cargo live there); the keyring file goes to a
# fresh XDG_DATA_HOME that is deleted on exit.
#
#   scripts/with-keyring.sh cargo test --workspace
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring.sh: '$tool' is missing; run scripts/setup.sh (packages dbus, gnome-keyring)" >&2
    exit 1
  fi
done

keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/regjistri-keyring.XXXXXX")
trap 'rm -rf "$keyring_home"' EXIT
export XDG_DATA_HOME="$keyring_home"
# Not a desktop session's keyring: make sure nothing reaches the caller's own.
unset GNOME_KEYRING_CONTROL SSH_AUTH_SOCK DBUS_SESSION_BUS_ADDRESS

# Not `exec`: the trap must run to delete the keyring afterwards.
dbus-run-session -- bash -c '
  set -euo pipefail
  # --unlock reads the password from stdin and creates the "login" keyring with it.
  if ! printf %s throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; then
    echo "with-keyring.sh: gnome-keyring-daemon did not start" >&2
    exit 1
  fi
  exec "$@"
' with-keyring "$@"
