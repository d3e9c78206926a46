#!/usr/bin/env bash
# Runs one load scenario against node(s) the harness starts on 127.0.0.1.
#
#   load-tests/run.sh <idle|fanout|connect-rate|bridge|chaos|soak|edge-bench|edge-fanout|edge-bridge> [--flag value ...] [--record]
#
# Builds the node jar and the generator jar when missing (LOAD_REBUILD=1 forces it; MVN_FLAGS adds
# flags such as -o), creates a signing key shared by the node and the generator, raises the file
# descriptor limit, and runs the generator (LOAD_JVM_FLAGS, default -Xmx2g). Flags: docs/perf/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ]; then
  sed -n '2,8p' "$0"
  exit 2
fi

# N connections need N descriptors in the node and as many in the generator (edge-bench holds 100k
# with --connections 100000). Root may raise the hard limit (up to fs.nr_open); anyone else gets what
# the hard limit allows.
FD_WANTED=262144
nr_open=$(cat /proc/sys/fs/nr_open 2>/dev/null || echo $FD_WANTED)
if [ "$nr_open" -lt $FD_WANTED ]; then FD_WANTED=$nr_open; fi
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $FD_WANTED ] && [ "$(id -u)" = 0 ]; then
  # Needs CAP_SYS_RESOURCE, which a container's root may lack (then the hard limit stays).
  ulimit -Hn $FD_WANTED 2>/dev/null || true
fi
ulimit -n $FD_WANTED 2>/dev/null || ulimit -n "$(ulimit -Hn)"

NODE_JAR=cluster-node/target/lifeguard-node.jar
LOAD_JAR=load-tests/target/lifeguard-load.jar
if [ -n "${LOAD_REBUILD:-}" ] || [ ! -f "$NODE_JAR" ] || [ ! -f "$LOAD_JAR" ]; then
  mvn -B -q ${MVN_FLAGS:-} -DskipTests package
fi

KEY=load-tests/target/load-signing.jwk
if [ ! -s "$KEY" ]; then
  (umask 077 && java -jar "$LOAD_JAR" keygen load-key > "$KEY")
fi

scenario=$1
shift
# The edge benchmark measures against nginx+nchan started in the same run (docs/perf/edge.md).
if [[ "$scenario" = edge-bench || "$scenario" = edge-fanout || "$scenario" = edge-bridge ]] && [[ " $* " != *" --reference none "* ]]; then
  load-tests/reference-peer.sh
fi
# shellcheck disable=SC2086
exec java ${LOAD_JVM_FLAGS:--Xmx2g -XX:+UseParallelGC} -jar "$LOAD_JAR" "$scenario" \
  --node-jar "$NODE_JAR" --signing-jwk-file "$KEY" "$@"
