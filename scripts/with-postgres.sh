#!/usr/bin/env bash
# Runs COMMAND... with DATABASE_URL pointing at a PostgreSQL database.
#
# When REGJISTRI_TEST_DATABASE_URL or DATABASE_URL is set, that database is used as it is.
# Otherwise a throwaway cluster is made with Debian's postgresql (initdb into a temporary
# folder, listening only on a unix socket in that folder, fsync off: for tests and local
# trials only) and removed, whatever happens, when COMMAND ends.
#
#   scripts/with-postgres.sh cargo test -p regjistri-central -p regjistri-server
#
# As root (CI), the cluster runs as the unprivileged `postgres` user (PostgreSQL refuses to
# run as root), or, where that user does not exist, as a dedicated system user made here.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

if [ -n "${REGJISTRI_TEST_DATABASE_URL:-}" ]; then
  export DATABASE_URL="$REGJISTRI_TEST_DATABASE_URL"
fi
if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

pg_bin=${PG_BIN:-}
if [ -z "$pg_bin" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && pg_bin=$candidate
  done
fi
if [ -z "$pg_bin" ] && command -v initdb >/dev/null 2>&1; then
  pg_bin=$(dirname "$(command -v initdb)")
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "with-postgres.sh: PostgreSQL's initdb was not found; install the 'postgresql' package (apt-get install postgresql) or set DATABASE_URL" >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/regjistri-pg.XXXXXX")
chmod 700 "$dir"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  pg_user=postgres
  if ! id "$pg_user" >/dev/null 2>&1; then
    pg_user=regjistri-pg
    if ! id "$pg_user" >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
    fi
  fi
  chown "$pg_user" "$dir"
  if command -v runuser >/dev/null 2>&1; then
    run_as=(runuser -u "$pg_user" --)
  else
    run_as=(su -s /bin/sh "$pg_user" -c '"$0" "$@"')
  fi
fi

cleanup() {
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${run_as[@]}" "$pg_bin/initdb" -D "$dir/data" --username=regjistri --auth=trust \
  --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  echo "with-postgres.sh: initdb failed" >&2
  exit 1
}
# Unix socket in the private folder only; no TCP. Durability is not needed for tests.
"${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || {
  cat "$dir/server.log" >&2
  echo "with-postgres.sh: the throwaway PostgreSQL did not start" >&2
  exit 1
}

export DATABASE_URL="postgres://regjistri@localhost/postgres?host=$dir&port=5432"
echo "with-postgres.sh: throwaway PostgreSQL at $dir" >&2
status=0
"$@" || status=$?
exit "$status"
