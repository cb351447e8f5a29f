# Sourced by test.sh and soak.sh: Debian's PostgreSQL cluster, created and started if needed, with a role that may
# create databases; exports VOICEEMOTION_TEST_POSTGRES. Needs the postgresql package (test.sh installs it).
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
pg_version=$(ls /usr/lib/postgresql | sort -V | tail -1)
pg_lsclusters -h | grep -q "^$pg_version main " || $sudo_cmd pg_createcluster "$pg_version" main >/dev/null
pg_lsclusters -h | grep -q "^$pg_version main .*online" || $sudo_cmd pg_ctlcluster "$pg_version" main start
pg_port=$(pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main" {print $3}')
$sudo_cmd su postgres -c "psql -p $pg_port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'voiceemotion'\"" | grep -q 1 \
  || $sudo_cmd su postgres -c "psql -p $pg_port -qc \"CREATE ROLE voiceemotion LOGIN PASSWORD 'voiceemotion' CREATEDB\""
export VOICEEMOTION_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=voiceemotion;Password=voiceemotion;Database=postgres"
echo "PostgreSQL $pg_version on port $pg_port (VOICEEMOTION_TEST_POSTGRES)"
