#!/usr/bin/env bash
# Restore drill: proves that a dump restores into a site that works.
#
#   deploy/restore-drill.sh DUMPFILE
#
# Restores DUMPFILE into a new scratch database, runs `manage.py migrate
# --check` against it, starts gunicorn (config/gunicorn.py, as meetings.service
# does) on a free loopback port, checks that /healthz answers 200 and that the
# app sees as many users, groups, events and replies as the dump holds, then
# stops gunicorn, drops the scratch database and prints a short report. Any
# failure prints one line and exits 1. The live database is never touched.
#
# Run it as a user that may create databases, with libpq's variables (PGHOST,
# PGPORT, PGUSER, PGPASSWORD) pointing at the server; on the production
# machine: sudo -u postgres deploy/restore-drill.sh DUMPFILE (docs/deploy.md).
set -euo pipefail

fail() {
  echo "restore drill failed: $*" >&2
  exit 1
}

(($# == 1)) || {
  echo "usage: $0 DUMPFILE" >&2
  exit 2
}
[[ -f $1 && -r $1 ]] || fail "cannot read $1"
dump=$(realpath "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${MEETINGS_PYTHON:-$root/.venv/bin/python}
gunicorn=$(dirname "$python")/gunicorn
cd "$root"

work=$(mktemp -d "${TMPDIR:-/tmp}/meetings-drill.XXXXXX")
db="meetings_drill_$(date +%s)_$$"
created="" server=""
stop_server() {
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}
drop_database() {
  if [[ -n $created ]]; then
    dropdb --if-exists --force "$db" 2>"$work/dropdb.log" \
      || echo "restore drill: could not drop scratch database $db: $(last "$work/dropdb.log")" >&2
    created=""
  fi
}
trap 'stop_server; drop_database; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

last() { grep -v '^[[:space:]]*$' "$1" | tail -n 1; }
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Rows of a table in the archive: the lines of its COPY block.
rows_in_dump() {
  pg_restore --data-only --table="$1" --file=- "$dump" \
    | awk '/^COPY / { copy = 1; next } /^\\\.$/ { copy = 0 } copy { n++ } END { print n + 0 }'
}

pg_restore --list "$dump" >"$work/toc" 2>"$work/list.log" \
  || fail "$dump is not a readable pg_dump archive: $(last "$work/list.log")"
source_db=$(sed -n 's/^;[[:space:]]*dbname: //p' "$work/toc")
created_at=$(sed -n 's/^;[[:space:]]*Archive created at //p' "$work/toc")

started=$EPOCHREALTIME
createdb "$db" 2>"$work/createdb.log" || fail "$(last "$work/createdb.log")"
created=1
# --no-owner/--no-acl: the scratch copy belongs to whoever runs the drill.
pg_restore --no-owner --no-acl --exit-on-error --dbname="$db" "$dump" \
  2>"$work/restore.log" || fail "$(last "$work/restore.log")"
restore_seconds=$(seconds_since "$started")

# The app as production runs it, but on the scratch database, on loopback, and
# with nothing that could send mail (explicit empties win over a readable .env).
app=(env DEBUG=false SECRET_KEY="drill-$(date +%s%N)-$$" DATABASE_URL="postgres:///$db"
  ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false SENDGRID_API_KEY= ADMINS=
  MAIL_FILE_DIR="$work/mail" CONN_MAX_AGE=0)

# --plan names what is missing, so a failure can say which migrations.
if ! "${app[@]}" "$python" manage.py migrate --check --plan >"$work/migrate.log" 2>&1; then
  unapplied=$(grep -E '^[a-z0-9_]+\.[0-9]{4}_' "$work/migrate.log" || true)
  [[ -n $unapplied ]] || fail "migrate --check: $(last "$work/migrate.log")"
  fail "migrate --check: $(wc -l <<<"$unapplied") migrations of this code are not applied in the dump (first: $(head -n 1 <<<"$unapplied"))"
fi

counts='
from django.contrib.auth import get_user_model
from events.models import Event, Rsvp
from groups.models import Group
print(get_user_model().objects.count(), Group.objects.count(),
      Event.objects.count(), Rsvp.objects.count())'
read -r users groups events replies < <("${app[@]}" "$python" manage.py shell -v 0 -c "$counts" 2>"$work/shell.log") \
  || fail "counting rows through the app: $(last "$work/shell.log")"
rows="users $users, groups $groups, events $events, replies $replies"
expected="users $(rows_in_dump accounts_user), groups $(rows_in_dump groups_group), events $(rows_in_dump events_event), replies $(rows_in_dump events_rsvp)"
[[ $rows == "$expected" ]] || fail "the app sees $rows, the dump holds $expected"

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${app[@]}" GUNICORN_BIND="127.0.0.1:$port" WEB_CONCURRENCY=1 GUNICORN_ACCESS_LOG="$work/access.log" \
  "$gunicorn" --config config/gunicorn.py config.wsgi >"$work/gunicorn.log" 2>&1 &
server=$!
probe='import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as error:
    print(error.code)
except OSError:
    print("no answer")'
status="no answer"
for _ in $(seq 1 120); do
  kill -0 "$server" 2>/dev/null || fail "gunicorn exited: $(last "$work/gunicorn.log")"
  status=$("$python" -c "$probe" "http://127.0.0.1:$port/healthz")
  [[ $status == "no answer" ]] || break
  sleep 0.5
done
[[ $status == 200 ]] || fail "/healthz on 127.0.0.1:$port answered $status, not 200"
stop_server
drop_database

echo "restore drill passed: $dump"
echo "  dump of      ${source_db:-?}, created ${created_at:-?}, $(du -h "$dump" | cut -f1)"
echo "  restored     into scratch database $db in $restore_seconds s"
echo "  migrate      --check: no unapplied migrations"
echo "  gunicorn     127.0.0.1:$port, /healthz 200"
echo "  rows         $rows (as in the dump)"
echo "  cleaned up   gunicorn stopped, scratch database dropped"
