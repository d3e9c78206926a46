#!/usr/bin/env sh
# Runs the example bridge worker against the Redis a node uses.
#   examples/run-worker.sh                       # redis://127.0.0.1:6379
#   LIFEGUARD_REDIS_URL=redis://host:6379 examples/run-worker.sh
# Then, with a node running (java -jar cluster-node/target/lifeguard-node.jar):
#   TOKEN=$(examples/run-worker.sh --issue-token demo-session)
#   connect a WebSocket client to ws://127.0.0.1:8081/demo-agent/ws/demo-session
#   with "Authorization: Bearer $TOKEN" and send {"hello":"world"}.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# redis-py from Debian's python3-redis lives in the system interpreter.
python=${PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import redis' 2>/dev/null; then
  echo "redis-py is missing for $python: apt-get install -y python3-redis (or pip install redis)" >&2
  exit 1
fi
exec "$python" "$here/worker/worker.py" --redis-url "${LIFEGUARD_REDIS_URL:-redis://127.0.0.1:6379}" "$@"
