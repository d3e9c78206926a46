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
# Node i (1-based) listens on HTTP 8080+i, Artery 25520+i and management 8558+i; node 1 is the
# seed. State lives under .lifeguard/ (gitignored): the shared signing key .lifeguard/signing.jwk,
# and per node .lifeguard/cluster/node-i.{pid,log} and data folder.
#
# Environment (all optional):
#   LIFEGUARD_LOCAL_JDBC_URL   default jdbc:postgresql://127.0.0.1:5432/lifeguard (database created if missing)
#   LIFEGUARD_LOCAL_PGUSER     default postgres
#   LIFEGUARD_REDIS_URL        default redis://127.0.0.1:6379
#   LOG_FORMAT / LOG_LEVEL     default text / INFO (use LOG_FORMAT=json to see production lines)
#   LIFEGUARD_JAVA_OPTS        default "-Xmx384m -XX:+UseSerialGC"
#   LIFEGUARD_ADMIN_TOKENS / LIFEGUARD_SERVICE_TOKENS  default local-admin-token / local-service-token
#   MVN_ARGS                   extra arguments for the build when the jar is missing (e.g. -o)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/cluster-node/target/lifeguard-node.jar"
STATE="$ROOT/.lifeguard"
CLUSTER_DIR="$STATE/cluster"
KEY_FILE="$STATE/signing.jwk"
JDBC_URL="${LIFEGUARD_LOCAL_JDBC_URL:-jdbc:postgresql://127.0.0.1:5432/lifeguard}"
PGUSER_LOCAL="${LIFEGUARD_LOCAL_PGUSER:-postgres}"
REDIS_URL="${LIFEGUARD_REDIS_URL:-redis://127.0.0.1:6379}"
JAVA_OPTS="${LIFEGUARD_JAVA_OPTS:--Xmx384m -XX:+UseSerialGC}"
READY_TIMEOUT="${LIFEGUARD_LOCAL_READY_TIMEOUT:-90}"
# SIGTERM closes sockets with SERVER_SHUTDOWN and leaves the cluster; the node halts itself after
# lifeguard.shutdown.hard-deadline (20s), so 25s covers it.
STOP_TIMEOUT=25

http_port() { echo $((8080 + $1)); }
cluster_port() { echo $((25520 + $1)); }
management_port() { echo $((8558 + $1)); }

die() { echo "local-cluster: $*" >&2; exit 1; }

# A pid file's process, only if it is still one of our nodes (pids are reused).
live_pid() {
  local file="$1" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "lifeguard-node.jar" || return 1
  echo "$pid"
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

ensure_jar() {
  if [[ ! -f "$JAR" ]]; then
    echo "building $JAR (mvn -B -DskipTests package)"
    (cd "$ROOT" && mvn -B -q -DskipTests ${MVN_ARGS:-} package) || die "build failed"
  fi
}

ensure_key() {
  mkdir -p "$STATE"
  if [[ ! -s "$KEY_FILE" ]]; then
    (umask 077 && java -cp "$JAR" io.lifeguard.node.ops.GenerateSigningKey "local-$(date +%Y%m%d)" > "$KEY_FILE.tmp")
    mv "$KEY_FILE.tmp" "$KEY_FILE"
    echo "generated signing key $KEY_FILE"
  fi
}

ensure_database() {
  local rest="${JDBC_URL#jdbc:postgresql://}"
  local hostport="${rest%%/*}" db="${rest#*/}"
  db="${db%%\?*}"
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

# A HOCON file on top of application.conf: it maps LIFEGUARD_SIGNING_JWK even on builds whose
# application.conf does not map it yet (the variable keeps the key out of `ps` output).
write_local_conf() {
  cat > "$CLUSTER_DIR/local.conf" <<'EOF'
include classpath("application")
lifeguard.tokens.signing-jwk = ${?LIFEGUARD_SIGNING_JWK}
EOF
}

start_node() {
  local i="$1" http cport mport
  http="$(http_port "$i")"; cport="$(cluster_port "$i")"; mport="$(management_port "$i")"
  for p in "$http" "$cport" "$mport"; do port_free "$p" || die "port $p (node-$i) is in use"; done
  mkdir -p "$CLUSTER_DIR/node-$i"
  (
    cd "$CLUSTER_DIR/node-$i"
    export LIFEGUARD_NODE_NAME="node-$i"
    export LIFEGUARD_HTTP_HOST=127.0.0.1 LIFEGUARD_HTTP_PORT="$http"
    export LIFEGUARD_CLUSTER_HOST=127.0.0.1 LIFEGUARD_CLUSTER_PORT="$cport"
    export LIFEGUARD_MANAGEMENT_HOST=127.0.0.1 LIFEGUARD_MANAGEMENT_PORT="$mport"
    export LIFEGUARD_SEED_NODES="127.0.0.1:$(cluster_port 1)"
    export LIFEGUARD_DATA_DIR="$CLUSTER_DIR/node-$i/data"
    export LIFEGUARD_JDBC_URL="$JDBC_URL" LIFEGUARD_JDBC_USER="$PGUSER_LOCAL"
    export LIFEGUARD_REDIS_URL="$REDIS_URL"
    export LIFEGUARD_SIGNING_JWK_FILE="$KEY_FILE"
    LIFEGUARD_SIGNING_JWK="$(cat "$KEY_FILE")"; export LIFEGUARD_SIGNING_JWK
    export LIFEGUARD_ADMIN_TOKENS="${LIFEGUARD_ADMIN_TOKENS:-local-admin-token}"
    export LIFEGUARD_SERVICE_TOKENS="${LIFEGUARD_SERVICE_TOKENS:-local-service-token}"
    export LOG_FORMAT="${LOG_FORMAT:-text}" LOG_LEVEL="${LOG_LEVEL:-INFO}"
    # shellcheck disable=SC2086
    exec java $JAVA_OPTS -Dconfig.file="$CLUSTER_DIR/local.conf" -jar "$JAR" \
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

start() {
  local n="${1:-3}"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "node count must be a positive number, got '$n'"
  mkdir -p "$CLUSTER_DIR"
  for f in "$CLUSTER_DIR"/node-*.pid; do
    [[ -e "$f" ]] || continue
    if live_pid "$f" >/dev/null; then die "a local cluster is running ($f); run '$0 stop' first"; fi
    rm -f "$f"
  done
  ensure_jar
  ensure_key
  ensure_database
  check_redis
  write_local_conf
  for ((i = 1; i <= n; i++)); do
    start_node "$i"
    # The seed must be up before the others join it; the rest start in parallel.
    if ((i == 1)); then await_ready 1; fi
  done
  for ((i = 2; i <= n; i++)); do await_ready "$i"; done
  echo "local cluster of $n node(s) ready:"
  for ((i = 1; i <= n; i++)); do
    printf '  node-%d  pid %-7s http://127.0.0.1:%d  ws://127.0.0.1:%d/ws  artery 127.0.0.1:%d  management http://127.0.0.1:%d\n' \
      "$i" "$(cat "$CLUSTER_DIR/node-$i.pid")" "$(http_port "$i")" "$(http_port "$i")" "$(cluster_port "$i")" "$(management_port "$i")"
  done
  echo "logs: $CLUSTER_DIR/node-*.log   signing key: $KEY_FILE   stop: $0 stop"
}

status() {
  local found=0 f i pid
  for f in "$CLUSTER_DIR"/node-*.pid; do
    [[ -e "$f" ]] || continue
    found=1
    i="$(basename "$f" .pid)"; i="${i#node-}"
    if pid="$(live_pid "$f")"; then
      echo "node-$i pid $pid http://127.0.0.1:$(http_port "$i") ready=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$(http_port "$i")/ready")"
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
  [[ -s "$KEY_FILE" && -f "$CLUSTER_DIR/local.conf" ]] || die "no local cluster state; run '$0 start' first"
  ensure_jar
  start_node "$i"
  await_ready "$i"
  echo "node-$i ready: http://127.0.0.1:$(http_port "$i") pid $(cat "$CLUSTER_DIR/node-$i.pid")"
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
