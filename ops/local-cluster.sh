#!/usr/bin/env bash
# Starts a local Lifeguard cluster of N nodes (default 3) on 127.0.0.1, sharing one PostgreSQL
# journal and one Redis, and stops it again.
#
#   ops/local-cluster.sh [start] [N]   start N nodes, wait until each /ready answers 200
#   ops/local-cluster.sh status        show each node's pid and /ready answer
#   ops/local-cluster.sh stop          SIGTERM every node by its pid file, wait, then SIGKILL stragglers
#   ops/local-cluster.sh start-node I  start (or restart) node I alone and join it to node 1 (scale out)
#   ops/local-cluster.sh stop-node I   SIGTERM node I only: it drains and leaves the cluster (scale in)
#
# Node i (1-based) listens on HTTP 8180+i, edge (client WebSockets) 8280+i, Artery 25520+i and
# management 8558+i, so node 1 does not collide with a single `./lifeguard run` node (HTTP 8080,
# edge 8081, Artery 25520, management 8558); node 1 is the seed. State lives under .lifeguard/
# (gitignored): the shared signing key .lifeguard/signing.jwk, the settings of the running
# cluster .lifeguard/cluster/settings.env (status, stop and start-node reuse them), and per node
# .lifeguard/cluster/node-i.{pid,log} and data folder.
#
# Environment (all optional; read by `start`, remembered for the other commands):
#   LIFEGUARD_LOCAL_HTTP_BASE        default 8180: node i serves HTTP (API, console, probes) on base+i
#   LIFEGUARD_LOCAL_EDGE_BASE        default 8280: node i serves the client WebSockets on base+i
#   LIFEGUARD_LOCAL_CLUSTER_BASE     default 25520: node i's Artery port is base+i
#   LIFEGUARD_LOCAL_MANAGEMENT_BASE  default 8558: node i's Pekko Management port is base+i
#   LIFEGUARD_LOCAL_JDBC_URL   default jdbc:postgresql://127.0.0.1:5432/lifeguard (database created if missing)
#   LIFEGUARD_LOCAL_PGUSER     default postgres
#   LIFEGUARD_LOCAL_REDIS_URL  default $LIFEGUARD_REDIS_URL, else redis://127.0.0.1:6379 (the kill
#                              switch and guardrail counters live there: anything else on that
#                              Redis shares them)
#   LIFEGUARD_LOCAL_STATE_DIR  default .lifeguard in the repository
#   LIFEGUARD_LOCAL_CLASSPATH  run io.lifeguard.node.Main from this class path instead of the jar
#   LIFEGUARD_LOCAL_READY_TIMEOUT  default 90 (seconds to wait for each node's /ready)
#   LOG_FORMAT / LOG_LEVEL     default text / INFO (use LOG_FORMAT=json to see production lines)
#   LIFEGUARD_JAVA_OPTS        default "-XX:+UseSerialGC -Xms64m -Xmx512m -XX:PerfDataSamplingInterval=1000" (docs/perf/edge.md, idle.md)
#   LIFEGUARD_ADMIN_TOKENS / LIFEGUARD_SERVICE_TOKENS  default ops:admin-secret / backend:dev-secret
#                              (the README's "Try it" credentials)
#   MVN_ARGS                   extra arguments for the build when the jar is missing (e.g. -o)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/cluster-node/target/lifeguard-node.jar"
STATE="${LIFEGUARD_LOCAL_STATE_DIR:-$ROOT/.lifeguard}"
CLUSTER_DIR="$STATE/cluster"
KEY_FILE="$STATE/signing.jwk"
SETTINGS="$CLUSTER_DIR/settings.env"
CLASSPATH_LOCAL="${LIFEGUARD_LOCAL_CLASSPATH:-}"
READY_TIMEOUT="${LIFEGUARD_LOCAL_READY_TIMEOUT:-90}"
# SIGTERM closes sockets with SERVER_SHUTDOWN and leaves the cluster; the node halts itself after
# lifeguard.shutdown.hard-deadline (20s), so 25s covers it.
STOP_TIMEOUT=25

die() { echo "local-cluster: $*" >&2; exit 1; }

# The settings a cluster was started with, so that status, stop and start-node find its ports
# even when the environment of a later shell differs.
load_settings() {
  if [[ -f "$SETTINGS" ]]; then
    # shellcheck disable=SC1090
    source "$SETTINGS"
    return
  fi
  HTTP_BASE="${LIFEGUARD_LOCAL_HTTP_BASE:-8180}"
  EDGE_BASE="${LIFEGUARD_LOCAL_EDGE_BASE:-8280}"
  CLUSTER_BASE="${LIFEGUARD_LOCAL_CLUSTER_BASE:-25520}"
  MANAGEMENT_BASE="${LIFEGUARD_LOCAL_MANAGEMENT_BASE:-8558}"
  JDBC_URL="${LIFEGUARD_LOCAL_JDBC_URL:-jdbc:postgresql://127.0.0.1:5432/lifeguard}"
  PGUSER_LOCAL="${LIFEGUARD_LOCAL_PGUSER:-postgres}"
  REDIS_URL="${LIFEGUARD_LOCAL_REDIS_URL:-${LIFEGUARD_REDIS_URL:-redis://127.0.0.1:6379}}"
  JAVA_OPTS="${LIFEGUARD_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx512m -XX:PerfDataSamplingInterval=1000}"
  ADMIN_TOKENS="${LIFEGUARD_ADMIN_TOKENS:-ops:admin-secret}"
  SERVICE_TOKENS="${LIFEGUARD_SERVICE_TOKENS:-backend:dev-secret}"
  local name
  for name in HTTP_BASE EDGE_BASE CLUSTER_BASE MANAGEMENT_BASE; do
    [[ "${!name}" =~ ^[1-9][0-9]{0,4}$ ]] || die "LIFEGUARD_LOCAL_$name must be a port number, got '${!name}'"
  done
}

save_settings() {
  mkdir -p "$CLUSTER_DIR"
  (
    umask 077
    local name
    for name in HTTP_BASE EDGE_BASE CLUSTER_BASE MANAGEMENT_BASE JDBC_URL PGUSER_LOCAL REDIS_URL JAVA_OPTS \
        ADMIN_TOKENS SERVICE_TOKENS; do
      printf '%s=%q\n' "$name" "${!name}"
    done > "$SETTINGS"
  )
}

http_port() { echo $((HTTP_BASE + $1)); }
edge_port() { echo $((EDGE_BASE + $1)); }
cluster_port() { echo $((CLUSTER_BASE + $1)); }
management_port() { echo $((MANAGEMENT_BASE + $1)); }

# The secret of the first "id:secret" credential (a bare secret stands for itself).
first_secret() {
  local first="${1%%,*}"
  echo "${first#*:}"
}
first_id() {
  local first="${1%%,*}"
  [[ "$first" == *:* ]] && echo "${first%%:*}" || echo "admin-1"
}

# A pid file's process, only if it is still that node of this state folder (pids are reused).
live_pid() {
  local file="$1" pid name
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  name="$(basename "$file" .pid)"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  # grep reads all of it (no -q): with pipefail an early exit would fail tr with SIGPIPE.
  tr '\0' '\n' < "/proc/$pid/cmdline" | grep -xF -- "-Dlocal-cluster.node=$STATE/$name" > /dev/null || return 1
  echo "$pid"
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

ensure_jar() {
  [[ -n "$CLASSPATH_LOCAL" ]] && return 0
  if [[ ! -f "$JAR" ]]; then
    echo "building $JAR (mvn -B -DskipTests package)"
    (cd "$ROOT" && mvn -B -q -DskipTests ${MVN_ARGS:-} package) || die "build failed"
  fi
}

# How to run a main class of the node: from the jar, or from LIFEGUARD_LOCAL_CLASSPATH.
class_path() {
  if [[ -n "$CLASSPATH_LOCAL" ]]; then echo "$CLASSPATH_LOCAL"; else echo "$JAR"; fi
}

ensure_key() {
  mkdir -p "$STATE"
  if [[ ! -s "$KEY_FILE" ]]; then
    (umask 077 && java -cp "$(class_path)" io.lifeguard.node.ops.GenerateSigningKey "local-$(date +%Y%m%d)" > "$KEY_FILE.tmp")
    mv "$KEY_FILE.tmp" "$KEY_FILE"
    echo "generated signing key $KEY_FILE"
  fi
}

database_name() {
  local rest="${JDBC_URL#jdbc:postgresql://}" db
  db="${rest#*/}"
  echo "${db%%\?*}"
}

ensure_database() {
  local rest="${JDBC_URL#jdbc:postgresql://}"
  local hostport="${rest%%/*}" db
  db="$(database_name)"
  local host="${hostport%%:*}" port="${hostport##*:}"
  [[ "$port" == "$host" ]] && port=5432
  command -v psql >/dev/null || die "psql not found; create database $db on $host:$port yourself"
  if ! psql -h "$host" -p "$port" -U "$PGUSER_LOCAL" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql -h "$host" -p "$port" -U "$PGUSER_LOCAL" -d postgres -qc "CREATE DATABASE \"$db\"" \
      || die "cannot create database $db on $host:$port"
    echo "created database $db on $host:$port"
  fi
}

check_redis() {
  local rest="${REDIS_URL#redis://}"
  rest="${rest##*@}"
  local hostport="${rest%%/*}"
  local host="${hostport%%:*}" port="${hostport##*:}"
  [[ "$port" == "$host" ]] && port=6379
  if [[ "$host" == "127.0.0.1" || "$host" == "localhost" ]] && port_free "$port"; then
    echo "warning: nothing listens on Redis $host:$port; the bridge and the shared kill switch need it" >&2
  fi
}

start_node() {
  local i="$1" http edge cport mport main
  http="$(http_port "$i")"; edge="$(edge_port "$i")"; cport="$(cluster_port "$i")"; mport="$(management_port "$i")"
  for p in "$http" "$edge" "$cport" "$mport"; do port_free "$p" || die "port $p (node-$i) is in use"; done
  mkdir -p "$CLUSTER_DIR/node-$i"
  if [[ -n "$CLASSPATH_LOCAL" ]]; then main=(-cp "$CLASSPATH_LOCAL" io.lifeguard.node.Main); else main=(-jar "$JAR"); fi
  (
    cd "$CLUSTER_DIR/node-$i"
    export LIFEGUARD_NODE_NAME="node-$i"
    export LIFEGUARD_HTTP_HOST=127.0.0.1 LIFEGUARD_HTTP_PORT="$http"
    export LIFEGUARD_EDGE_HOST=127.0.0.1 LIFEGUARD_EDGE_PORT="$edge"
    export LIFEGUARD_CLUSTER_HOST=127.0.0.1 LIFEGUARD_CLUSTER_PORT="$cport"
    export LIFEGUARD_MANAGEMENT_HOST=127.0.0.1 LIFEGUARD_MANAGEMENT_PORT="$mport"
    export LIFEGUARD_SEED_NODES="127.0.0.1:$(cluster_port 1)"
    export LIFEGUARD_DATA_DIR="$CLUSTER_DIR/node-$i/data"
    export LIFEGUARD_JDBC_URL="$JDBC_URL" LIFEGUARD_JDBC_USER="$PGUSER_LOCAL"
    export LIFEGUARD_REDIS_URL="$REDIS_URL"
    # The file only: the node refuses both the key and its file at once.
    unset LIFEGUARD_SIGNING_JWK
    export LIFEGUARD_SIGNING_JWK_FILE="$KEY_FILE"
    export LIFEGUARD_ADMIN_TOKENS="$ADMIN_TOKENS" LIFEGUARD_SERVICE_TOKENS="$SERVICE_TOKENS"
    export LOG_FORMAT="${LOG_FORMAT:-text}" LOG_LEVEL="${LOG_LEVEL:-INFO}"
    # shellcheck disable=SC2086
    exec java $JAVA_OPTS "-Dlocal-cluster.node=$STATE/node-$i" "${main[@]}" \
      >> "$CLUSTER_DIR/node-$i.log" 2>&1 < /dev/null
  ) &
  echo $! > "$CLUSTER_DIR/node-$i.pid"
}

await_ready() {
  local i="$1" url deadline pid
  url="http://127.0.0.1:$(http_port "$i")/ready"
  deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    # kill -0, not live_pid: right after the fork the subshell may not have exec'd java yet.
    pid="$(cat "$CLUSTER_DIR/node-$i.pid")"
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$CLUSTER_DIR/node-$i.log" >&2 || true
      die "node-$i exited before it was ready (log: $CLUSTER_DIR/node-$i.log)"
    fi
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" == 200 ]]; then return 0; fi
    sleep 0.5
  done
  curl -s --max-time 2 "$url" >&2 || true
  die "node-$i not ready after ${READY_TIMEOUT}s (log: $CLUSTER_DIR/node-$i.log)"
}

node_line() {
  local i="$1"
  printf '  node-%d  pid %-7s http://127.0.0.1:%d  relay ws://127.0.0.1:%d/ws  artery 127.0.0.1:%d  management http://127.0.0.1:%d\n' \
    "$i" "$(cat "$CLUSTER_DIR/node-$i.pid")" "$(http_port "$i")" "$(edge_port "$i")" "$(cluster_port "$i")" "$(management_port "$i")"
}

summary() {
  local n="$1" i admin service
  admin="$(first_secret "$ADMIN_TOKENS")"; service="$(first_secret "$SERVICE_TOKENS")"
  echo "local cluster of $n node(s) ready:"
  for ((i = 1; i <= n; i++)); do node_line "$i"; done
  echo "console:      http://127.0.0.1:$(http_port 1)/console/  (sign in with the admin token '$admin')"
  echo "admin token:  $admin   (Authorization: Bearer $admin; management Basic auth $(first_id "$ADMIN_TOKENS"):$admin)"
  echo "service token: $service (POST http://127.0.0.1:$(http_port 1)/v1/fallback/token)"
  echo "journal:      $JDBC_URL (user $PGUSER_LOCAL)"
  echo "redis:        $REDIS_URL (kill switch and guardrail counters, shared with anything else using it)"
  echo "logs: $CLUSTER_DIR/node-*.log   signing key: $KEY_FILE   stop: $0 stop"
}

start() {
  local n="${1:-3}"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "node count must be a positive number, got '$n'"
  mkdir -p "$CLUSTER_DIR"
  for f in "$CLUSTER_DIR"/node-*.pid; do
    [[ -e "$f" ]] || continue
    if live_pid "$f" >/dev/null; then die "a local cluster is running ($f); run '$0 stop' first"; fi
    rm -f "$f"
  done
  # A new cluster takes the current environment's settings.
  rm -f "$SETTINGS"
  load_settings
  ensure_jar
  ensure_key
  ensure_database
  check_redis
  save_settings
  for ((i = 1; i <= n; i++)); do
    start_node "$i"
    # The seed must be up before the others join it; the rest start in parallel.
    if ((i == 1)); then await_ready 1; fi
  done
  for ((i = 2; i <= n; i++)); do await_ready "$i"; done
  summary "$n"
}

status() {
  local found=0 f i pid
  load_settings
  for f in "$CLUSTER_DIR"/node-*.pid; do
    [[ -e "$f" ]] || continue
    found=1
    i="$(basename "$f" .pid)"; i="${i#node-}"
    if pid="$(live_pid "$f")"; then
      echo "node-$i pid $pid http://127.0.0.1:$(http_port "$i") ws://127.0.0.1:$(edge_port "$i")/ws ready=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$(http_port "$i")/ready")"
    else
      echo "node-$i not running (stale $f)"
    fi
  done
  ((found)) || echo "no local cluster (no pid files in $CLUSTER_DIR)"
}

start_one() {
  local i="$1"
  [[ "$i" =~ ^[1-9][0-9]*$ ]] || die "node number must be a positive number, got '$i'"
  if live_pid "$CLUSTER_DIR/node-$i.pid" >/dev/null; then die "node-$i is already running"; fi
  [[ -s "$KEY_FILE" && -f "$SETTINGS" ]] || die "no local cluster state; run '$0 start' first"
  load_settings
  ensure_jar
  start_node "$i"
  await_ready "$i"
  echo "node-$i ready:"
  node_line "$i"
}

stop() {
  local pattern="${1:-node-*}" f pid pids=() files=()
  for f in "$CLUSTER_DIR"/$pattern.pid; do
    [[ -e "$f" ]] || continue
    if pid="$(live_pid "$f")"; then
      kill -TERM "$pid" && pids+=("$pid") && files+=("$f")
      echo "sent SIGTERM to $(basename "$f" .pid) (pid $pid)"
    else
      rm -f "$f"
    fi
  done
  ((${#pids[@]})) || { echo "no running local node matches $pattern"; return 0; }
  local deadline=$((SECONDS + STOP_TIMEOUT)) k
  for k in "${!pids[@]}"; do
    while kill -0 "${pids[$k]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "${pids[$k]}" 2>/dev/null; then
      echo "pid ${pids[$k]} still running after ${STOP_TIMEOUT}s: SIGKILL" >&2
      kill -KILL "${pids[$k]}" 2>/dev/null || true
    fi
    rm -f "${files[$k]}"
  done
  echo "stopped ${#pids[@]} node(s)"
}

case "${1:-start}" in
  start) start "${2:-3}" ;;
  stop) stop ;;
  start-node) start_one "${2:-}" ;;
  stop-node) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "usage: $0 stop-node I"; stop "node-$2" ;;
  status) status ;;
  [1-9]*) start "$1" ;;
  *) die "usage: $0 [start [N] | N | status | stop | start-node I | stop-node I]" ;;
esac
