#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port, for errscan's tests and the fleet benchmark.
#
#   eval "$(scripts/pg-test-cluster.sh start)"     # exports ERRSCAN_TEST_PG (URL) and ERRSCAN_TEST_PG_DIR
#   scripts/pg-test-cluster.sh stop "$ERRSCAN_TEST_PG_DIR"
#   scripts/pg-test-cluster.sh run npx vitest run test/store-contract   # start, run, stop (even on failure)
#
# start options: --watch-pid PID  also stop the cluster once PID has exited (a killed test run leaves nothing).
# Environment: PG_BIN (folder with initdb/pg_ctl; default: PATH, else the newest /usr/lib/postgresql/*/bin),
# PG_USER (unprivileged user the server runs as when called by root; default postgres, else nobody),
# PG_DURABLE=1 keeps fsync and synchronous commit on (the benchmark's setting; tests turn them off for speed).
# Only 127.0.0.1 is listened on, with trust authentication: never use this for real data.
set -euo pipefail

SELF=$(readlink -f "$0")

die() { echo "pg-test-cluster: $*" >&2; exit 1; }

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    [ -x "$PG_BIN/initdb" ] || die "PG_BIN=$PG_BIN has no initdb"
    echo "$PG_BIN"; return
  fi
  local d
  if d=$(command -v initdb 2>/dev/null); then
    d=$(readlink -f "$d"); dirname "$d"; return
  fi
  # Debian keeps the server tools off PATH, one folder per major version.
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] || die "initdb not found: install PostgreSQL (Debian: apt-get install -y postgresql) or set PG_BIN"
  echo "$d"
}

# Runs a command as the cluster's owner: as is for a normal user, as PG_USER for root (initdb refuses root).
as_owner() {
  if [ "$(id -u)" != 0 ]; then "$@"; return; fi
  # From /, since the owner may not be allowed into the caller's folder (a clone under /root, say).
  if command -v runuser >/dev/null 2>&1; then (cd / && runuser -u "$OWNER" -- "$@"); return; fi
  (cd / && su -s /bin/sh "$OWNER" -c "$(printf '%q ' "$@")")
}

pick_owner() {
  if [ "$(id -u)" != 0 ]; then OWNER=$(id -un); return; fi
  if [ -n "${PG_USER:-}" ]; then OWNER=$PG_USER
  elif id postgres >/dev/null 2>&1; then OWNER=postgres
  else OWNER=nobody; fi
  id "$OWNER" >/dev/null 2>&1 || die "user $OWNER does not exist (set PG_USER)"
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

cmd_start() {
  local watch=''
  while [ $# -gt 0 ]; do
    case "$1" in
      --watch-pid) watch=${2:?--watch-pid needs a pid}; shift 2 ;;
      *) die "unknown start option $1" ;;
    esac
  done
  local bin dir port opts try
  bin=$(find_bin)
  pick_owner
  dir=$(mktemp -d /tmp/errscan-pg.XXXXXX)
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown "$OWNER" "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U errscan --auth=trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
  opts="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=100 -c shared_buffers=64MB"
  if [ "${PG_DURABLE:-0}" != 1 ]; then opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
  for try in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -o "-p $port $opts" -l "$dir/server.log" -w -t 30 start >/dev/null 2>&1; then
      break
    fi
    port=''
  done
  [ -n "$port" ] || { tail -n 20 "$dir/server.log" >&2 || true; rm -rf "$dir"; die "the server did not start"; }
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U errscan errscan ||
    { as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; die "createdb failed"; }
  if [ -n "$watch" ]; then
    # Detached from our output so a caller reading it until EOF is not kept waiting.
    (
      while kill -0 "$watch" 2>/dev/null; do sleep 1; done
      bash "$SELF" stop "$dir"
    ) </dev/null >/dev/null 2>&1 &
  fi
  echo "export ERRSCAN_TEST_PG=postgres://errscan@127.0.0.1:$port/errscan"
  echo "export ERRSCAN_TEST_PG_DIR=$dir"
}

cmd_stop() {
  local dir=${1:?stop needs the cluster folder (ERRSCAN_TEST_PG_DIR)}
  case "$dir" in /tmp/errscan-pg.*) ;; *) die "refusing to stop/remove $dir: not a folder this script made" ;; esac
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    local bin
    bin=$(find_bin)
    pick_owner
    OWNER=$(stat -c %U "$dir/data")
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

cmd_run() {
  [ $# -gt 0 ] || die "run needs a command"
  local env
  env=$(cmd_start) || exit 1
  eval "$env"
  # shellcheck disable=SC2064 # the folder is fixed now
  trap "bash '$SELF' stop '$ERRSCAN_TEST_PG_DIR'" EXIT
  echo "pg-test-cluster: $ERRSCAN_TEST_PG" >&2
  "$@"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  run) shift; cmd_run "$@" ;;
  *) echo "usage: $0 start [--watch-pid PID] | stop DIR | run COMMAND [ARGS..]" >&2; exit 2 ;;
esac
