#!/usr/bin/env python3
"""Slow and hostile HTTP clients, for tests/faults/test_hostile_clients.py
(not a test module).  Every connection comes from one source address
(default 127.0.0.2) so that the service's per-address limits apply to the
attack and not to the probe on 127.0.0.1.

    hostile.py --port P --mode MODE [--connections N] [--seconds S]

Modes:
  slow-headers  Slowloris: a request line, then one header line a second,
                never the blank line that ends the headers
  slow-body     R.U.D.Y.: a POST announcing a large body, sent a byte a second
  slow-read     large responses asked for (pipelined), read a few bytes a
                second through a tiny receive buffer
  flood-idle    connections opened and left idle, reopened when closed
  flood-churn   connect and reset at once, as fast as the machine allows
                (bounded by --rate per second)

Each of N workers keeps one connection going and opens another when the
server closes it (after a pause, so that a refused connection is not a
busy loop).  When every worker has made its first attempt (for
flood-churn: after its first second) it prints "ready" on stdout, runs S
seconds more, then prints one JSON object of counts and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import struct
import time

BIG = "/openapi.yaml"


class Stats:
    def __init__(self):
        self.connects = 0           # TCP connections established
        self.connect_errors = 0     # refused, timed out, no address
        self.closed_by_server = 0   # EOF or reset from the server
        self.open = 0
        self.max_open = 0
        self.bytes_sent = 0
        self.bytes_read = 0
        self.responses = 0          # status lines seen (slow-read)
        self.first_attempts = 0     # workers past their first connection
        self.ready = asyncio.Event()
        self.done = asyncio.Event()
        self.ready_after = None     # seconds from start to ready

    def attempted(self, n_workers: int, started: float):
        self.first_attempts += 1
        if self.first_attempts == n_workers:
            self.ready_after = round(time.monotonic() - started, 2)
            self.ready.set()

    def opened(self):
        self.connects += 1
        self.open += 1
        self.max_open = max(self.max_open, self.open)

    def closed(self):
        self.open -= 1


async def connect(loop, args, rcvbuf: int = 0) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    # Reset on close: no TIME_WAIT piling up on our side of the flood.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.bind((args.source, 0))
    try:
        await asyncio.wait_for(loop.sock_connect(s, (args.host, args.port)), 5)
    except BaseException:
        s.close()
        raise
    return s


async def peer_closed(loop, s: socket.socket, timeout: float) -> bool:
    """True when the server closed (EOF or reset) within ``timeout`` s; any
    bytes it sent meanwhile are read and dropped."""
    try:
        data = await asyncio.wait_for(loop.sock_recv(s, 65536), timeout)
    except asyncio.TimeoutError:
        return False
    except OSError:
        return True
    return not data


async def trickle(loop, args, st: Stats, s: socket.socket, head: bytes, unit: bytes):
    """Send ``head`` then ``unit`` once a second until the server closes."""
    await loop.sock_sendall(s, head)
    st.bytes_sent += len(head)
    while True:
        if await peer_closed(loop, s, args.interval):
            return
        await loop.sock_sendall(s, unit)
        st.bytes_sent += len(unit)


async def slow_read(loop, args, st: Stats, s: socket.socket):
    req = (f"GET {BIG} HTTP/1.1\r\nHost: x\r\n\r\n" * 20).encode()
    await loop.sock_sendall(s, req)
    st.bytes_sent += len(req)
    while True:
        await asyncio.sleep(args.interval)
        try:
            data = await asyncio.wait_for(loop.sock_recv(s, 64), 0.01)
        except asyncio.TimeoutError:
            continue
        if not data:
            return
        st.bytes_read += len(data)
        st.responses += data.count(b"HTTP/1.1 ")


async def idle(loop, args, st: Stats, s: socket.socket):
    while not await peer_closed(loop, s, 3600):
        pass


async def worker(n: int, args, st: Stats, started: float):
    loop = asyncio.get_running_loop()
    first = True
    # Spread the starts over the first second.
    await asyncio.sleep((n % 100) / 100.0)
    while not st.done.is_set():
        try:
            s = await connect(loop, args, rcvbuf=2048 if args.mode == "slow-read" else 0)
        except (OSError, asyncio.TimeoutError):
            st.connect_errors += 1
            if first:
                first = False
                st.attempted(args.connections, started)
            await asyncio.sleep(args.pause)
            continue
        st.opened()
        if first:
            first = False
            # Ready once the opening bytes are out (or the server refused).
            loop.call_later(0.2, st.attempted, args.connections, started)
        try:
            if args.mode == "slow-headers":
                job = trickle(loop, args, st, s, b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
                              b"X-Slow: %d\r\n" % n)
            elif args.mode == "slow-body":
                job = trickle(loop, args, st, s,
                              b"POST /v1/hate-crime/reports HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
                              b" ")
            elif args.mode == "slow-read":
                job = slow_read(loop, args, st, s)
            else:
                job = idle(loop, args, st, s)
            task = asyncio.ensure_future(job)
            done = asyncio.ensure_future(st.done.wait())
            finished, _ = await asyncio.wait({task, done}, return_when=asyncio.FIRST_COMPLETED)
            done.cancel()
            if task in finished:
                if not isinstance(task.exception(), (OSError, type(None))):
                    raise task.exception()
                st.closed_by_server += 1
            else:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        finally:
            s.close()
            st.closed()
        await asyncio.sleep(args.pause)


async def churn(args, st: Stats):
    """Connect and reset, ``args.rate`` times a second at most."""
    loop = asyncio.get_running_loop()
    loop.call_later(1.0, lambda: (setattr(st, "ready_after", 1.0), st.ready.set()))
    gap = 1.0 / args.rate
    sem = asyncio.Semaphore(args.connections)

    async def one():
        async with sem:
            try:
                s = await connect(loop, args)
            except (OSError, asyncio.TimeoutError):
                st.connect_errors += 1
                return
            st.opened()
            s.close()
            st.closed()

    tasks = set()
    next_at = time.monotonic()
    while not st.done.is_set():
        t = asyncio.ensure_future(one())
        tasks.add(t)
        t.add_done_callback(tasks.discard)
        next_at += gap
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    if tasks:
        await asyncio.wait(tasks, timeout=5)


async def main(args) -> dict:
    st = Stats()
    started = time.monotonic()

    async def announce():
        try:
            await asyncio.wait_for(st.ready.wait(), 60)
            print("ready", flush=True)
        finally:
            await asyncio.sleep(args.seconds)
            st.done.set()

    announcer = asyncio.ensure_future(announce())
    if args.mode == "flood-churn":
        await churn(args, st)
    else:
        await asyncio.gather(*(worker(n, args, st, started) for n in range(args.connections)))
    await announcer
    out = {k: v for k, v in vars(st).items()
           if k not in ("open", "ready", "done", "first_attempts")}
    out["mode"] = args.mode
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--source", default="127.0.0.2")
    p.add_argument("--mode", required=True, choices=[
        "slow-headers", "slow-body", "slow-read", "flood-idle", "flood-churn"])
    p.add_argument("--connections", type=int, default=300)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--pause", type=float, default=0.5)
    p.add_argument("--rate", type=float, default=500.0)
    a = p.parse_args()
    print(json.dumps(asyncio.run(main(a))), flush=True)
