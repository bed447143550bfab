# Sourced by test.sh and bench.sh: PostgreSQL from Debian, started when it is down, a role for the
# tests, and TEST_POSTGRES_URL exported (the tests create and drop a database per test). Nothing
# is done when TEST_POSTGRES_URL is already set. Needs `say` from the sourcing script.

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi
}

if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  say "PostgreSQL"
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_lsclusters -h | grep -q . || pg_createcluster "$version" main
    cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
    pg_ctlcluster --skip-systemctl-redirect $cluster start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  as_postgres "psql -q -v ON_ERROR_STOP=1 -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'om_test') THEN CREATE ROLE om_test LOGIN PASSWORD 'om_test' CREATEDB; END IF; END \\\$\\\$;\""
  # Databases left by an interrupted earlier run.
  for db in $(as_postgres "psql -Atq -c \"SELECT datname FROM pg_database WHERE datname LIKE 'om_t_%'\""); do
    as_postgres "psql -q -c 'DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)'"
  done
  export TEST_POSTGRES_URL="postgres://om_test:om_test@127.0.0.1:5432/postgres"
fi

# A server on PostgreSQL needs the key that seals the stored webhook secrets (DESIGN.md 17), and
# replicas of one database share it: every server and store of this run gets this one.
if [ -z "${SECRETS_KEY_FILE:-}" ]; then
  mkdir -p .tools
  export SECRETS_KEY_FILE="$PWD/.tools/test-secrets.key"
  [ -s "$SECRETS_KEY_FILE" ] || (umask 077 && head -c 32 /dev/urandom | base64 > "$SECRETS_KEY_FILE")
fi
