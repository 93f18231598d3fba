#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and local tries: made in DIR, listening on
# 127.0.0.1 only (a free port) and on a unix socket in DIR, trusting every local connection,
# without fsync. Never a place for data anyone wants to keep.
# Usage: scripts/pg-cluster.sh start DIR   makes and starts it; prints its URL (also in DIR/url)
#        scripts/pg-cluster.sh stop DIR    stops it and removes DIR
# Run as root, the server runs as `nobody` (PostgreSQL refuses to run as root), which must be
# able to reach DIR. PG_BINDIR overrides where initdb and pg_ctl are looked for.
set -euo pipefail

usage() {
  echo "usage: scripts/pg-cluster.sh start DIR | stop DIR" >&2
  exit 2
}
(($# == 2)) || usage
cmd=$1
dir=$2
[[ -n $dir ]] || usage
readonly marker=.slab5-pg-cluster  # start leaves it; stop removes only a DIR that has it
readonly db_user=slab5 db_name=slab5_test

find_bindir() {
  local d
  for d in "${PG_BINDIR:-}" /usr/lib/postgresql/15/bin "$(pg_config --bindir 2>/dev/null || true)"; do
    if [[ -n $d && -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then
      echo "$d"
      return
    fi
  done
  echo "error: PostgreSQL's initdb and pg_ctl were not found (scripts/install-deps.sh installs postgresql)" >&2
  exit 1
}

# Runs a PostgreSQL program as the cluster's owner: `nobody` when this script runs as root.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$run_as" -- "$@"
  else
    "$@"
  fi
}

# True when something accepts connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop_cluster() {
  local data=$dir/data
  if [[ -f $data/postmaster.pid ]]; then
    run_as=$(stat -c %U "$data")
    as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

case $cmd in
  start | stop) ;;
  *) usage ;;
esac
bindir=$(find_bindir)
run_as=$(id -un)
[[ $(id -u) -eq 0 ]] && run_as=nobody

if [[ $cmd == stop ]]; then
  [[ -e $dir ]] || exit 0
  if [[ ! -f $dir/$marker ]]; then
    echo "error: $dir was not made by scripts/pg-cluster.sh start; not removing it" >&2
    exit 1
  fi
  stop_cluster
  rm -rf -- "$dir"
  exit 0
fi

# start: a leftover cluster of an interrupted run is stopped and replaced.
if [[ -f $dir/$marker ]]; then
  stop_cluster
  rm -rf -- "$dir"
elif [[ -e $dir && -n $(ls -A -- "$dir" 2>/dev/null) ]]; then
  echo "error: $dir exists and is not empty; give a new directory" >&2
  exit 1
fi
mkdir -p -- "$dir"
dir=$(cd -- "$dir" && pwd -P)
touch "$dir/$marker"
# The socket's path must fit in sockaddr_un (107 bytes): DIR/.s.PGSQL.NNNNN.
if ((${#dir} > 90)); then
  echo "error: $dir is too long for a unix socket path; give a shorter directory" >&2
  exit 1
fi
if [[ $(id -u) -eq 0 ]]; then
  chown "$run_as:" "$dir"
  if ! runuser -u "$run_as" -- test -w "$dir"; then
    echo "error: $run_as cannot reach $dir (a parent directory is not searchable by others)" >&2
    exit 1
  fi
fi

data=$dir/data
log=$dir/server.log
as_owner "$bindir/initdb" -D "$data" -U "$db_user" -E UTF8 --no-locale --auth=trust --no-sync --no-instructions \
  >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  echo "error: initdb failed in $data" >&2
  exit 1
}
# Loopback and the socket only; a test cluster trades durability for speed.
cat >>"$data/postgresql.conf" <<EOF

# scripts/pg-cluster.sh: a throwaway cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 60
EOF

# A port nothing listens on; another process may take it between the probe and the start,
# so a start that cannot bind tries the next candidate.
started=""
for _ in $(seq 1 20); do
  port=$((20000 + RANDOM % 40000))
  port_in_use "$port" && continue
  : >"$log"
  [[ $(id -u) -eq 0 ]] && chown "$run_as:" "$log"
  if as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
    started=yes
    break
  fi
  grep -qiE 'could not (bind|create listen socket)|address already in use' "$log" || break
done
if [[ -z $started ]]; then
  tail -n 20 "$log" >&2 || true
  echo "error: the PostgreSQL server in $data did not start" >&2
  exit 1
fi

as_owner "$bindir/psql" -X -q -h "$dir" -p "$port" -U "$db_user" -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE $db_name" >/dev/null
url="postgres://$db_user@127.0.0.1:$port/$db_name"
echo "$url" >"$dir/url"
echo "$url"
