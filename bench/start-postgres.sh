#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the bench WITH ITS DEFAULT DURABILITY (fsync, synchronous_commit and
# full_page_writes on, as users run it — unlike the CI's test cluster, which turns fsync off), on 127.0.0.1 only,
# and prints the admin connection string to give the bench:
#   export PIM_TEST_PG_ADMIN="$(bash bench/start-postgres.sh)"; dotnet pwsh ./build.ps1 Bench
# Stop it with: bash bench/start-postgres.sh stop
set -euo pipefail
port=${PIM_BENCH_PG_PORT:-55997}
dir=${PIM_BENCH_PG_DIR:-/tmp/pim-bench-pg}
initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
[ -n "$initdb" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)." >&2; exit 1; }
pgbin=$(dirname "$initdb")
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "${1:-}" = stop ]; then as_postgres "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; exit 0; fi
if ! as_postgres "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_postgres "$pgbin/initdb" -D "$dir/data" --auth=trust --locale=C -E UTF8 >/dev/null
  as_postgres "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp -c max_connections=100" -w start >/dev/null
fi
echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
