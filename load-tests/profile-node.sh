#!/usr/bin/env bash
# Profiles the node a running load-tests/run.sh scenario started, for a window of the run.
#
#   load-tests/profile-node.sh OUT.collapsed SECONDS [--delay S] [--after-connections N] [--event cpu|alloc]
#
# Start it, then the scenario (from the repository root, as run.sh does). It waits for the node that
# a lifeguard-load.jar process started from this directory, waits until the node answers, then for N
# relay connections (--after-connections) and S more seconds (--delay), and attaches async-profiler
# (tools.profiler:async-profiler from Maven Central, CPU samples every 1 ms of CPU, Java and native
# frames, per thread) for SECONDS. OUT is in collapsed-stack form; profile-categories.py sums it up.
# --event alloc samples allocations instead (counts are bytes sampled, not CPU milliseconds).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  sed -n '2,10p' "$0"
  exit 2
fi
out=$(realpath -m "$1"); seconds=$2; shift 2
delay=0; after=0; event=cpu
while [ $# -gt 0 ]; do
  case $1 in
    --delay) delay=$2; shift 2 ;;
    --after-connections) after=$2; shift 2 ;;
    --event) event=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done

AP_VERSION=3.0
work=load-tests/target/profiler
mkdir -p "$work"
lib=$work/libasyncProfiler.so
if [ ! -s "$lib" ]; then
  mvn -B -q ${MVN_FLAGS:-} dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION
  unzip -o -q -j "$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar" \
    linux-x64/libasyncProfiler.so -d "$work"
fi
# jcmd's JVMTI.agent_load splits options at '=', so attach through the Attach API instead.
cat > "$work/AttachAgent.java" <<'EOF'
public class AttachAgent {
  public static void main(String[] a) throws Exception {
    var vm = com.sun.tools.attach.VirtualMachine.attach(a[0]);
    try { vm.loadAgentPath(a[1], a[2]); } finally { vm.detach(); }
  }
}
EOF

here=$(pwd)
deadline=$((SECONDS + 300))
pid=""
while [ -z "$pid" ]; do
  [ $SECONDS -lt $deadline ] || { echo "no node started by lifeguard-load.jar within 300 s" >&2; exit 1; }
  for p in $(pgrep -f -- ' -jar [^ ]*lifeguard-node.jar' || true); do
    [ "$(readlink "/proc/$p/cwd")" = "$here" ] || continue
    [ "$(ps -o etimes= -p "$p" | tr -d ' ')" -le "$SECONDS" ] || continue   # started after this script
    parent=$(ps -o ppid= -p "$p" | tr -d ' ')
    tr '\0' ' ' < "/proc/$parent/cmdline" | grep -q 'lifeguard-load.jar' && pid=$p
  done
  sleep 0.5
done
port=$(tr '\0' '\n' < "/proc/$pid/environ" | sed -n 's/^LIFEGUARD_HTTP_PORT=//p')
connections() {
  curl -s --max-time 5 "http://127.0.0.1:$port/debug/stats" \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["connections"])' 2>/dev/null || echo -1
}
until [ "$(connections)" -ge 0 ]; do
  [ $SECONDS -lt $deadline ] || { echo "node $pid never answered" >&2; exit 1; }
  sleep 0.5
done
while [ "$(connections)" -lt "$after" ]; do
  [ $SECONDS -lt $((deadline + 600)) ] || { echo "node $pid never reached $after connections" >&2; exit 1; }
  sleep 1
done
sleep "$delay"
echo "profiling node $pid for ${seconds}s from $(date -u +%T) ($(connections) connections)"
java "$work/AttachAgent.java" "$pid" "$(realpath "$lib")" \
  "start,event=$event,$([ "$event" = cpu ] && echo interval=1ms || echo total),threads,collapsed,timeout=$seconds,file=$out"
sleep $((seconds + 2))
echo "wrote $out ($(connections) connections at the end)"
