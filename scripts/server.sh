#!/usr/bin/env bash
# The central server in one command, on a local PostgreSQL it creates when none is given.
#
#   scripts/server.sh                                   # build, init (first time), serve on 127.0.0.1:8443
#   scripts/server.sh enrol-station st-tr-01 --directorate dvp-tirane --out /tmp/st-tr-01.station.pem
#                                                       # issue a station's bundle (a relative --out,
#                                                       # or none, is the caller's folder, not this one)
#   scripts/server.sh SUBCOMMAND [ARG...]               # any regjistri-server subcommand
#
# Without DATABASE_URL, the database lives in $REGJISTRI_SERVER_HOME/postgres (default
# ./server-data/postgres), listens only on a unix socket beside it, and is started when
# needed and stopped again by the command that started it. The CA and the server's
# certificate are in $REGJISTRI_SERVER_HOME/state. Settings: REGJISTRI_SERVER_LISTEN
# (default 127.0.0.1:8443), REGJISTRI_SERVER_HOSTS (names in the server certificate,
# default "localhost"), REGJISTRI_SERVER_PROFILE=dev for a debug build.
#
# Two logins: `init` (run every time) makes and updates the schema as the database's owner
# (DATABASE_URL); `serve` logs in as the role regjistri_app (APP_DATABASE_URL), which may
# only read and append audit rows and cannot become the owner, and is started without the
# owner's URL. On the local cluster APP_DATABASE_URL is the same socket with the user
# regjistri_app (the socket's folder is private to this user, and the cluster trusts it).
# With an external DATABASE_URL give APP_DATABASE_URL too (see README, "The central server").
set -euo pipefail
caller=$PWD
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ -d "$HOME/.cargo/bin" ] && [[ ":$PATH:" != *":$HOME/.cargo/bin:"* ]]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi

home=${REGJISTRI_SERVER_HOME:-$root/server-data}
mkdir -p "$home"
home=$(cd "$home" && pwd)
state=$home/state
listen=${REGJISTRI_SERVER_LISTEN:-127.0.0.1:8443}
read -r -a host_names <<<"${REGJISTRI_SERVER_HOSTS:-localhost}"

profile=${REGJISTRI_SERVER_PROFILE:-release}
target=${CARGO_TARGET_DIR:-$root/target}
# The same packages together as scripts/test.sh and the README build (cargo unifies features
# across the packages of one build), so that after either this is no rebuild.
if [ "$profile" = dev ]; then
  cargo build -p regjistri-cli -p regjistri-server
  bin=$target/debug/regjistri-server
else
  cargo build --release -p regjistri-cli -p regjistri-server
  bin=$target/release/regjistri-server
fi

# The binary by its absolute path: subcommands run from the caller's folder (below).
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

started_pg=""
stop_pg() { :; }
if [ -z "${DATABASE_URL:-}" ]; then
  pg_bin=""
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && pg_bin=$candidate
  done
  if [ -z "$pg_bin" ]; then
    echo "server.sh: PostgreSQL was not found; install it (apt-get install postgresql) or set DATABASE_URL" >&2
    exit 1
  fi
  pgdata=$home/postgres
  socket=$home/pg-socket
  run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root.
    pg_user=postgres
    id "$pg_user" >/dev/null 2>&1 || { pg_user=regjistri-pg; id "$pg_user" >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"; }
    chmod 755 "$home"
    mkdir -p "$pgdata" "$socket"
    chown "$pg_user" "$pgdata" "$socket"
    run_as=(runuser -u "$pg_user" --)
  fi
  mkdir -p "$pgdata" "$socket"
  # The cluster trusts its socket: only this user (and root) may reach it.
  chmod 700 "$pgdata" "$socket"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    "${run_as[@]}" "$pg_bin/initdb" -D "$pgdata" --username=regjistri --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 >"$home/initdb.log"
    echo "server.sh: created a local PostgreSQL in $pgdata"
  fi
  if ! "${run_as[@]}" "$pg_bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    "${run_as[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
      -o "-k $socket -c listen_addresses=''" start >/dev/null
    started_pg=yes
    stop_pg() { "${run_as[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -m fast stop >/dev/null 2>&1 || true; }
  fi
  trap stop_pg EXIT
  if [ "$("$pg_bin/psql" -h "$socket" -U regjistri -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'regjistri'")" != 1 ]; then
    "$pg_bin/createdb" -h "$socket" -U regjistri regjistri
  fi
  export DATABASE_URL="postgres://regjistri@localhost/regjistri?host=$socket"
  export APP_DATABASE_URL="postgres://regjistri_app@localhost/regjistri?host=$socket"
fi

host_args=()
for h in "${host_names[@]}"; do host_args+=(--host "$h"); done
"$bin" --dir "$state" init "${host_args[@]}"

if [ "$#" -eq 0 ]; then
  echo "server.sh: serving on $listen (mutual TLS); enrol a station with:"
  echo "  scripts/server.sh enrol-station st-tr-01 --directorate dvp-tirane --out /tmp/st-tr-01.station.pem"
  status=0
  if [ -n "${APP_DATABASE_URL:-}" ]; then
    # The serving process never holds the owner's URL.
    env -u DATABASE_URL "$bin" --dir "$state" serve --listen "$listen" || status=$?
  else
    "$bin" --dir "$state" serve --listen "$listen" || status=$?
  fi
  exit "$status"
fi
# From the caller's folder, so that a relative path (a station's bundle, which holds its
# private key, written by default as CODE.station.pem; a reference file) is the caller's,
# never this checkout's.
status=0
(cd "$caller" && "$bin" --dir "$state" "$@") || status=$?
[ -n "$started_pg" ] && echo "server.sh: stopping the local PostgreSQL it started" >&2
exit "$status"
