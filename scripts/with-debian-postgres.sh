#!/usr/bin/env bash
# Runs a command against a throwaway cluster of Debian's PostgreSQL (the oldest installed major,
# 15 on bookworm), with DATABASE_URL pointing at a test database on it. CI uses it to run the
# e2e suite once on Debian's server as well as on the embedded one.
#   usage: scripts/with-debian-postgres.sh npx jest --selectProjects e2e
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | head -n 1)
if [ -z "$bin" ]; then
  echo "Debian's postgresql is not installed (apt-get install postgresql)" >&2
  exit 1
fi
dir=$(mktemp -d /tmp/cb-debian-pg-XXXXXX)
chmod 755 "$dir"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
cleanup() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --encoding=UTF8 >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres cb_test_admin
echo "Debian PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port"
DATABASE_URL="postgres://postgres@127.0.0.1:$port/cb_test_admin" "$@"
