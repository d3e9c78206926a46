#!/usr/bin/env python3
"""A relay peer: joins a Lifeguard relay session and exchanges text with the other peers.

Run two of them against one node, in two terminals, and type: each line goes to the other peer.

    python3 examples/relay-peer/peer.py --role host        --session demo
    python3 examples/relay-peer/peer.py --role participant --session demo

Each peer mints its own token from the node's token API with a service credential (what a
backend does for its client), opens the relay WebSocket, sends the client hello, checks the
server hello and then sends every stdin line as a DATA frame, prints every DATA frame it
receives, and answers the heartbeat rhythm of the server hello. Everything follows
docs/protocol.md (sections 1-6); payloads travel unencrypted (no section 8).

Non-interactive modes, for scripts and the test that keeps this example working:
    --echo                 answer every DATA frame with "echo: <text>"
    --say TEXT             send TEXT every --resend seconds until a DATA frame comes back,
                           print it and exit 0 (membership reaches the other peer
                           asynchronously, protocol.md section 4, so the first send may be lost)
    --timeout SECONDS      give up with exit 1 when nothing ends the run by then

Needs Python 3.8+ and the websockets package (Debian: apt-get install -y python3-websockets).
"""
import argparse
import asyncio
import base64
import json
import os
import secrets
import struct
import sys
import urllib.error
import urllib.request

import websockets

VERSION = 1
CONTROL, DATA, HEARTBEAT, CLOSE = 0, 1, 2, 3
HEADER = struct.Struct(">BBHI")  # version, kind, payload_len, seq (big-endian, protocol.md §4)
NORMAL_CLOSE = 1000


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def mint_token(http_url, service_token, session, role, cohort):
    """POST /v1/fallback/token as a backend would (docs/control-plane.md)."""
    body = json.dumps({"session_id": session, "cohort_id": cohort, "client_version": "peer.py",
                       "role": role, "telemetry_opt_in": False}).encode()
    request = urllib.request.Request(http_url.rstrip("/") + "/v1/fallback/token", data=body, method="POST",
                                     headers={"Authorization": "Bearer " + service_token,
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["token"]
    except urllib.error.HTTPError as e:
        sys.exit(f"peer: token request refused: {e.code} {e.read().decode(errors='replace')}")


def frame(kind, seq, body=b""):
    return HEADER.pack(VERSION, kind, len(body), seq) + body


def parse_frame(message):
    if len(message) < HEADER.size:
        raise ValueError("truncated frame")
    version, kind, length, seq = HEADER.unpack_from(message)
    if version != VERSION or kind > CLOSE or length != len(message) - HEADER.size:
        raise ValueError(f"bad frame header {version}/{kind}/{length}")
    return kind, seq, message[HEADER.size:]


class Peer:
    def __init__(self, socket, server_hello, out):
        self.socket = socket
        self.peer_id = server_hello["peer_id"]
        self.heartbeat_interval = server_hello["heartbeat_interval"]
        self.out = out
        self.seq = 0
        self.heartbeats = 0
        self.received = asyncio.Queue()

    async def send_text(self, text):
        await self.socket.send(frame(DATA, self.seq, text.encode("utf-8")))
        self.seq = (self.seq + 1) % 2**32

    async def heartbeat(self):
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            await self.socket.send(frame(HEARTBEAT, self.heartbeats))
            self.heartbeats = (self.heartbeats + 1) % 2**32

    async def read(self):
        async for message in self.socket:
            if isinstance(message, str):
                raise ValueError("text message from the node")
            kind, seq, body = parse_frame(message)
            if kind == DATA:
                text = body.decode("utf-8", errors="replace")
                self.out(f"< {text}")
                await self.received.put(text)
            elif kind == CLOSE:
                code = struct.unpack_from(">H", body)[0] if len(body) >= 2 else 0
                self.out(f"closed by the node: {code} {body[2:].decode('utf-8', errors='replace')}")
                return

    async def close(self):
        await self.socket.send(frame(CLOSE, 0, struct.pack(">H", NORMAL_CLOSE) + b"normal"))
        await self.socket.close(NORMAL_CLOSE, "normal")


async def join(args, out):
    token = args.token or mint_token(args.http_url, args.service_token, args.session, args.role, args.cohort)
    nonce = b64url(secrets.token_bytes(16))
    socket = await websockets.connect(args.relay_url, max_size=8 + 65535, ping_interval=None,
                                      open_timeout=10, close_timeout=5)
    await socket.send(json.dumps({"type": "client_hello", "session_id": args.session, "token": token,
                                  "client_nonce": nonce, "protocol_version": VERSION,
                                  "compression": "none", "role": args.role}).encode("utf-8"))
    reply = await asyncio.wait_for(socket.recv(), 10)
    if isinstance(reply, bytes) and reply[:1] != b"{":
        kind, _, body = parse_frame(reply)
        code = struct.unpack_from(">H", body)[0] if kind == CLOSE and len(body) >= 2 else 0
        sys.exit(f"peer: the node refused the hello: {code} {body[2:].decode('utf-8', errors='replace')}")
    hello = json.loads(reply)
    if hello.get("type") != "server_hello" or hello.get("ack_nonce") != nonce:
        await socket.close(1002, "protocol_error")
        sys.exit("peer: bad server hello")
    out(f"joined session {args.session} as {args.role}, peer id {hello['peer_id']} "
        f"(heartbeat every {hello['heartbeat_interval']} s)")
    return Peer(socket, hello, out)


async def interactive(peer):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        await peer.send_text(line.rstrip("\n"))


async def echo(peer):
    while True:
        text = await peer.received.get()
        await peer.send_text("echo: " + text)


async def say_until_reply(peer, text, resend):
    while True:
        await peer.send_text(text)
        try:
            await asyncio.wait_for(peer.received.get(), resend)
            return
        except asyncio.TimeoutError:
            continue


async def main(args):
    def out(line):
        print(line, flush=True)

    peer = await join(args, out)
    tasks = [asyncio.create_task(peer.heartbeat())]
    reader = asyncio.create_task(peer.read())
    if args.echo:
        work = asyncio.create_task(echo(peer))
    elif args.say is not None:
        work = asyncio.create_task(say_until_reply(peer, args.say, args.resend))
    else:
        work = asyncio.create_task(interactive(peer))
    try:
        done, _ = await asyncio.wait({reader, work}, timeout=args.timeout, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            out(f"peer: nothing happened within {args.timeout} s")
            return 1
        for task in done:
            task.result()  # raises what failed
        if reader in done:
            return 1
        await peer.close()
        return 0
    finally:
        for task in tasks + [reader, work]:
            task.cancel()


def arguments(argv):
    parser = argparse.ArgumentParser(description="Exchange text with the other peers of a Lifeguard relay session.")
    parser.add_argument("--relay-url", default=os.environ.get("LIFEGUARD_RELAY_URL", "ws://127.0.0.1:8081/ws"),
                        help="the node's relay WebSocket (default ws://127.0.0.1:8081/ws, the edge port; "
                             "env LIFEGUARD_RELAY_URL)")
    parser.add_argument("--http-url", default=os.environ.get("LIFEGUARD_HTTP_URL", "http://127.0.0.1:8080"),
                        help="the node's HTTP API, for the token (default http://127.0.0.1:8080)")
    parser.add_argument("--service-token", default=os.environ.get("LIFEGUARD_SERVICE_TOKEN", "dev-secret"),
                        help="service bearer secret for POST /v1/fallback/token (default dev-secret, README's 'Try it')")
    parser.add_argument("--token", help="a relay token to use instead of minting one")
    parser.add_argument("--session", default="demo", help="session id (default demo)")
    parser.add_argument("--role", default="participant", choices=["host", "participant"])
    parser.add_argument("--cohort", default="dev", help="cohort id for the token (default dev)")
    parser.add_argument("--echo", action="store_true", help="answer every DATA frame with 'echo: <text>'")
    parser.add_argument("--say", help="send this text until a DATA frame comes back, then exit")
    parser.add_argument("--resend", type=float, default=0.5, help="seconds between --say resends (default 0.5)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="give up (exit 1) after this many seconds (default: run until stdin ends)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(arguments(sys.argv[1:]))))
    except KeyboardInterrupt:
        sys.exit(0)
    except (OSError, websockets.exceptions.WebSocketException) as e:
        sys.exit(f"peer: {e}")
