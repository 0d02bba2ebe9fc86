#!/usr/bin/env bash
# THE command to try Regjistri: installs what is missing, builds the UI, the `regjistri` CLI
# and the desktop app (release, UI embedded), makes a demo database of 10,000 invented files
# and opens the app on it.
#
#   scripts/start.sh              on a desktop session: the database key goes to your keyring;
#                                 the demo database stays in ~/.local/share/regjistri-demo/
#   scripts/start.sh --headless   no display (a server, CI): runs the app under Xvfb with a
#                                 throwaway keyring and a throwaway database, saves a
#                                 screenshot to artifacts/start/app.png and exits
#
# Every file in the demo is invented; none is a real person.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ -d "$HOME/.cargo/bin" ] && [[ ":$PATH:" != *":$HOME/.cargo/bin:"* ]]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
say() { printf '\033[1m[start]\033[0m %s\n' "$*"; }

app=$root/target/release/regjistri-desktop
cli=$root/target/release/regjistri
demo_count=10000
# Demo accounts only: a demo database on a development machine, never real data.
demo_password="provë-vetëm-demo-2026"

# make_demo DB: the first administrator, invented files, a demo clerk and supervisor.
make_demo() {
  local db=$1 otp
  "$cli" --db "$db" init >/dev/null
  REGJISTRI_PASSWORD=$demo_password "$cli" --db "$db" user create-admin admin --directorate dvp-tirane
  REGJISTRI_USER=admin REGJISTRI_PASSWORD=$demo_password "$cli" --db "$db" seed --count "$demo_count"
  for account in demo.clerk:clerk demo.supervisor:supervisor demo.auditor:auditor; do
    otp=$(REGJISTRI_USER=admin REGJISTRI_PASSWORD=$demo_password "$cli" --db "$db" \
      user add "${account%%:*}" --role "${account##*:}" --directorate dvp-tirane | awk '{print $NF}')
    REGJISTRI_USER=${account%%:*} REGJISTRI_PASSWORD=$otp REGJISTRI_NEW_PASSWORD=$demo_password \
      "$cli" --db "$db" password >/dev/null
  done
  say "demo accounts (all with the password \"$demo_password\"): admin, demo.clerk, demo.supervisor, demo.auditor"
}

# --- inside the headless session (xvfb-run + with-keyring.sh) -----------------------------
if [ "${1:-}" = "--in-headless-session" ]; then
  # The keyring lives only as long as this session, so the database does too.
  dir=$(mktemp -d "${TMPDIR:-/tmp}/regjistri-demo.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
  db=$dir/regjistri.db
  say "seeding $demo_count invented files into a throwaway database"
  make_demo "$db"
  say "starting the app on $DISPLAY"
  "$app" --db "$db" &
  pid=$!
  sleep "${REGJISTRI_SCREENSHOT_DELAY:-8}"
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" || true
    say "the app exited early; see its log above"
    exit 1
  fi
  mkdir -p artifacts/start
  import -window root artifacts/start/app.png
  say "screenshot: $root/artifacts/start/app.png"
  kill -TERM "$pid"
  wait "$pid" || true
  exit 0
fi

headless=false
case "${1:-}" in
  "") ;;
  --headless) headless=true ;;
  -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
esac

if ! $headless && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<'MSG'
[start] There is no display (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open.
        On a desktop, run this from a terminal inside your graphical session.
        On a server, run:   scripts/start.sh --headless
        which starts the app under Xvfb with a throwaway keyring and database, saves a
        screenshot to artifacts/start/app.png and exits.
MSG
  exit 2
fi

say "setup"
bash scripts/setup.sh
say "building the UI"
(cd ui && npm run build)
say "building the CLI and the desktop app (release; the first time takes several minutes)"
cargo build --release -p regjistri-cli
cargo build --release --features custom-protocol

if $headless; then
  exec xvfb-run -a -s "-screen 0 1280x800x24" scripts/with-keyring.sh \
    bash "$root/scripts/start.sh" --in-headless-session
fi

data_home=${XDG_DATA_HOME:-$HOME/.local/share}
db=$data_home/regjistri-demo/regjistri.db
if [ ! -e "$db" ]; then
  mkdir -p "$(dirname "$db")"
  say "creating the demo database $db with $demo_count invented files"
  say "(its key goes to your desktop keyring; unlock it if asked)"
  make_demo "$db"
else
  say "using the demo database $db (delete it to start afresh)"
fi
say "starting Regjistri"
exec "$app" --db "$db"
