#!/bin/bash
# Login roles of the Compose stack, created once, when the postgres volume is first initialised (the image runs
# /docker-entrypoint-initdb.d/* as the superuser, the owner of the Annals tables: POSTGRES_USER).
#
# Each service connects as a login of its own, made a member of the least-privilege group role that
# `annals migrate --roles` (the setup service) grants privileges to: a worker may write only its projection, the API
# may only read. The group roles are created here, NOLOGIN, before migrate runs; migrate finds them and grants them
# their privileges (it creates only missing roles). Role names assume migrate's default --role-prefix, annals.
#
# A login's name and password come from the database URL its service reads (the Compose secret mounted under
# /run/secrets), so each password is written down once. They must be plain: letters, digits and - _ . ~ (no
# percent-encoding). Changing a secret later needs `docker compose down -v` (a new volume) or ALTER ROLE by hand.
set -euo pipefail

# secret holding the service's database URL   group role its login joins
logins=(
  "story-worker-database-url                  annals_story_writer"
  "kb-worker-database-url                     annals_kb_writer"
  "metrics-worker-database-url                annals_metrics_writer"
  "scaling-worker-database-url                annals_scaling_writer"
  "api-database-url                           annals_reader"
)

annals_create_login() { # login password group
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=login="$1" --set=password="$2" --set=grp="$3" <<'SQL'
SELECT format('CREATE ROLE %I NOLOGIN', :'grp')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'grp') \gexec
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'login', :'password')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'login') \gexec
SELECT format('GRANT %I TO %I', :'grp', :'login') \gexec
SQL
  echo "annals: login $1 joins $3"
}

for entry in "${logins[@]}"; do
  read -r secret group <<<"$entry"
  url=$(<"/run/secrets/$secret")
  if [[ ! $url =~ ^postgres(ql)?://([A-Za-z0-9_.~-]+):([A-Za-z0-9_.~-]+)@ ]]; then
    echo "annals: /run/secrets/$secret must be postgres://USER:PASSWORD@HOST:PORT/DB with a plain user and password" >&2
    false
  fi
  annals_create_login "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "$group"
done

# postgres-exporter reads the statistics views as annals_monitor (Postgres's pg_monitor role, nothing else).
annals_create_login annals_monitor "$(</run/secrets/postgres-exporter-password)" pg_monitor
