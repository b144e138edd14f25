#!/usr/bin/env bash
# Stops the cluster that start-postgres.sh started on port $1 (default $PGPORT_CI or 54329) and
# deletes its data directory. Touches no other cluster; does nothing when none was started there.
set -u
port=${1:-${PGPORT_CI:-54329}}
record=/tmp/scimplan-pg-$port.dir
dir=$(cat "$record" 2>/dev/null) || exit 0
case "$dir" in /tmp/scimplan-pg.*) ;; *) echo "stop-postgres.sh: $record does not name a scimplan cluster" >&2; exit 1 ;; esac
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
rm -rf "$dir" "$record"
