#!/usr/bin/env python3
"""A minimal backend worker for the Lifeguard bridge.

It listens to every client message the bridge publishes on ``session:{id}:up`` and answers on the
matching ``session:{id}:down``, which the bridge delivers to that session's WebSocket(s).

The reply wraps the client's JSON: ``{"type": "echo", "session_id": ..., "received": <message>}``.
It also shows how a backend issues the one-time bearer token a client presents when it connects:

    python3 worker.py --issue-token SESSION_ID      # prints a token valid for 60 s

Requires redis-py (Debian: ``apt-get install -y python3-redis``).
"""
import argparse
import json
import logging
import secrets
import signal
import sys

import redis

UP_PATTERN = "session:*:up"


def session_of(channel):
    """``session:{id}:up`` -> ``{id}``; ids never contain ':' (the bridge rejects them)."""
    parts = channel.split(":")
    if len(parts) != 3 or parts[0] != "session" or parts[2] != "up":
        return None
    return parts[1]


def issue_token(client, session_id, ttl_seconds=60):
    """What a backend does before handing a client its WebSocket URL: a one-time token."""
    token = secrets.token_urlsafe(32)
    client.set(f"session:{session_id}:auth", token, ex=ttl_seconds)
    return token


def serve(client, stop):
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(UP_PATTERN)
    logging.info("worker listening on %s", UP_PATTERN)
    print("ready", flush=True)  # tests and scripts wait for this line
    while not stop["now"]:
        message = pubsub.get_message(timeout=0.5)
        if message is None or message["type"] != "pmessage":
            continue
        session_id = session_of(message["channel"])
        if session_id is None:
            continue
        try:
            received = json.loads(message["data"])
        except ValueError:
            logging.warning("session %s: message is not JSON, ignored", session_id)
            continue
        reply = {"type": "echo", "session_id": session_id, "received": received}
        client.publish(f"session:{session_id}:down", json.dumps(reply))
    pubsub.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    parser.add_argument("--issue-token", metavar="SESSION_ID", help="print a one-time token and exit")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    client = redis.Redis.from_url(args.redis_url, decode_responses=True)
    if args.issue_token:
        print(issue_token(client, args.issue_token))
        return 0
    stop = {"now": False}

    def request_stop(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    serve(client, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
