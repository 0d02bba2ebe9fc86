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

# gnome-keyring-daemon has been seen to exit under many concurrent test clients. The bus
# would then start the standard one, which asks a (missing) prompter to unlock the keyring,
# and every later test would fail. This session's bus starts one that unlocks it with the
# throwaway password instead: the keys written so far stay readable.
mkdir -p "$keyring_home/services"
cat >"$keyring_home/keyring-daemon" <<'DAEMON'
#!/bin/sh
printf %s throwaway | exec gnome-keyring-daemon --unlock --foreground --components=secrets
DAEMON
chmod +x "$keyring_home/keyring-daemon"
cat >"$keyring_home/services/org.freedesktop.secrets.service" <<SERVICE
[D-BUS Service]
Name=org.freedesktop.secrets
Exec=$keyring_home/keyring-daemon
SERVICE
session_conf=/usr/share/dbus-1/session.conf
[ -f "$session_conf" ] || session_conf=/etc/dbus-1/session.conf
cat >"$keyring_home/session.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <servicedir>$keyring_home/services</servicedir>
  <include>$session_conf</include>
</busconfig>
CONF

# Not `exec`: the trap must run to delete the keyring afterwards.
dbus-run-session --config-file="$keyring_home/session.conf" -- bash -c '
  set -euo pipefail
  # --unlock reads the password from stdin and creates the "login" keyring with it.
  if ! printf %s throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; then
    echo "with-keyring.sh: gnome-keyring-daemon did not start" >&2
    exit 1
  fi
  exec "$@"
' with-keyring "$@"
