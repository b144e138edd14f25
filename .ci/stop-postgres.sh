#!/usr/bin/env bash
# Stops the cluster started by start-postgres.sh and deletes its data directory.
set -u
dir=$(cat /tmp/scimplan-pg.dir 2>/dev/null) || exit 0
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
rm -rf "$dir" /tmp/scimplan-pg.dir
