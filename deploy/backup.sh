#!/usr/bin/env bash
# Nightly backup of the meetings database: one pg_dump archive per run in
# BACKUP_DIR, dumps older than BACKUP_KEEP_DAYS days deleted after a good one.
# meetings-backup.service runs it as the postgres user; see docs/deploy.md.
#
#   PGDATABASE        database to dump (default: meetings); PGHOST, PGPORT,
#                     PGUSER and PGPASSWORD as libpq reads them
#   BACKUP_DIR        where dumps go (default: /var/backups/meetings)
#   BACKUP_KEEP_DAYS  delete dumps older than this many days (default: 14)
#
# The dump is written to a hidden temporary file and renamed when pg_dump has
# succeeded and pg_restore can read it back, so a failed or killed run never
# leaves a truncated file that looks like a backup, and old dumps are deleted
# only after a new one exists: a run that fails keeps every dump there is.
set -euo pipefail

database=${PGDATABASE:-meetings}
dir=${BACKUP_DIR:-/var/backups/meetings}
keep_days=${BACKUP_KEEP_DAYS:-14}

fail() {
  echo "backup failed: $*" >&2
  exit 1
}

[[ $keep_days =~ ^[1-9][0-9]*$ ]] || fail "BACKUP_KEEP_DAYS must be a whole number of days, not '$keep_days'"
[[ -d $dir && -w $dir ]] || fail "$dir is not a directory $(id -un) can write"

umask 077  # Dumps hold every member's address: readable by their owner only.
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
final="$dir/meetings-$stamp.dump"
partial=$(mktemp "$dir/.meetings-$stamp.XXXXXX.partial")
trap 'rm -f "$partial"' EXIT

errors=$(pg_dump --format=custom --file="$partial" "$database" 2>&1) \
  || fail "pg_dump $database: $(tail -n 1 <<<"$errors")"
pg_restore --list "$partial" >/dev/null 2>&1 || fail "pg_restore cannot read the new dump"
sync "$partial"
mv "$partial" "$final"
echo "backup written: $final ($(du -h "$final" | cut -f1))"

# Only now that a good dump exists: delete the ones older than keep_days
# (by modification time, in whole minutes) and leftovers of killed runs.
find "$dir" -maxdepth 1 -type f -name 'meetings-*.dump' -mmin +$((keep_days * 1440)) \
  -print -delete | sed 's/^/deleted old dump: /'
find "$dir" -maxdepth 1 -type f -name '.meetings-*.partial' -mmin +1440 -delete
