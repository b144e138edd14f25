#!/usr/bin/env bash
# Installs PostgreSQL from Debian if needed and starts a throwaway cluster on 127.0.0.1.
# Prints the connection URL on stdout; the data directory is removed by the caller's trap.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
port=${PGPORT_CI:-54329}
dir=$(mktemp -d /tmp/scimplan-pg.XXXXXX)
chown postgres "$dir"
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >&2
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" start >&2
echo "$dir" > /tmp/scimplan-pg.dir
echo "postgres://postgres@127.0.0.1:$port/postgres"
