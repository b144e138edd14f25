#!/usr/bin/env bash
# Installs PostgreSQL from Debian if needed and starts a throwaway cluster on 127.0.0.1, port
# $1 (default $PGPORT_CI or 54329). Prints the connection URL on stdout; the data directory is
# recorded in /tmp/scimplan-pg-<port>.dir for stop-postgres.sh <port>, so clusters on several
# ports can run side by side.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
port=${1:-${PGPORT_CI:-54329}}
record=/tmp/scimplan-pg-$port.dir
if old=$(cat "$record" 2>/dev/null); then
  if runuser -u postgres -- "$bin/pg_ctl" -D "$old/data" status >/dev/null 2>&1; then
    echo "start-postgres.sh: a cluster started here runs on port $port ($old); stop it with stop-postgres.sh $port" >&2
    exit 1
  fi
  rm -f "$record" # left by a run that was killed before its trap
fi
dir=$(mktemp -d /tmp/scimplan-pg.XXXXXX)
chown postgres "$dir"
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >&2
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200 -c shared_preload_libraries=pg_stat_statements" start >&2
echo "$dir" > "$record"
echo "postgres://postgres@127.0.0.1:$port/postgres"
