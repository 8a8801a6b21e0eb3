#!/usr/bin/env python3
"""A network link with one-way delay, jitter and loss, in user space.

This kernel has no netem (LIBP2P-NOTES.md, "Real-network lab"), so the lab joins a router to the
wan with two TUN devices instead of a veth pair: this program creates both (in the namespace it
starts in), the lab moves one of them into the other namespace, and every IP packet read from
one device is written to the other after the delay its direction is set to, unless the loss
draw drops it. Python's standard library only, so it runs wherever the lab does (CI included).

    forwarder.py --a up0 --b wan-a0 --config '{"ab": {"delayMs": 20}, "ba": {"delayMs": 20}}'

Directions: "ab" carries packets read from device a to device b, "ba" the other way. Each has
    delayMs   one-way delay added to every packet (milliseconds)
    jitterMs  each packet's delay is delayMs plus a uniform draw from [-jitterMs, +jitterMs],
              never below zero; packets still leave in the order they came (a packet waits for
              the one before it), as on a real link, so jitter never reorders
    lossPct   the chance (0 to 100) that a packet is dropped

Control: one JSON object per line on stdin, each answered by one JSON line on stdout.
    {"ab": {...}, "ba": {...}}   set either direction (what is left out keeps its value)
    {"stats": true}              counters per direction: forwarded, lost, overflow, errors
"ready" (a JSON line) is written once both devices exist. End of stdin stops the program: the
lab holds the other end of that pipe, so a crashed lab never leaves a forwarder behind.
"""

import argparse
import collections
import fcntl
import json
import os
import random
import selectors
import struct
import sys
import time

# linux/if_tun.h
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
# A device name is at most IFNAMSIZ - 1 = 15 bytes (linux/if.h).
IFNAMSIZ = 16
# Larger than any packet a 1500-byte MTU device hands us, with room to spare.
READ_SIZE = 65536
# Packets waiting per direction before new ones are dropped ("overflow"): 2 s of 10 Mbit/s of
# full-size packets at most, so a stalled writer cannot grow memory without bound.
MAX_QUEUED = 2048
# Packets read from one device per turn of the loop, so a flood one way cannot starve the other.
READ_BURST = 64


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    ifreq = struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifreq)
    return fd


class Direction:
    def __init__(self, rng):
        self.rng = rng
        self.delay = 0.0
        self.jitter = 0.0
        self.loss = 0.0
        self.queue = collections.deque()
        self.last_release = 0.0
        self.stats = {"forwarded": 0, "lost": 0, "overflow": 0, "errors": 0}

    def configure(self, settings):
        if "delayMs" in settings:
            self.delay = checked(settings, "delayMs", 0, 60_000) / 1000
        if "jitterMs" in settings:
            self.jitter = checked(settings, "jitterMs", 0, 60_000) / 1000
        if "lossPct" in settings:
            self.loss = checked(settings, "lossPct", 0, 100) / 100

    def accept(self, packet, now, write):
        if self.loss > 0 and self.rng.random() < self.loss:
            self.stats["lost"] += 1
            return
        if self.delay == 0 and self.jitter == 0 and not self.queue:
            self.send(packet, write)
            return
        if len(self.queue) >= MAX_QUEUED:
            self.stats["overflow"] += 1
            return
        wait = max(0.0, self.delay + self.rng.uniform(-self.jitter, self.jitter))
        # FIFO: a packet never leaves before the one ahead of it (no reordering under jitter).
        release = max(now + wait, self.last_release)
        self.last_release = release
        self.queue.append((release, packet))

    def release_due(self, now, write):
        while self.queue and self.queue[0][0] <= now:
            self.send(self.queue.popleft()[1], write)

    def next_due(self):
        return self.queue[0][0] if self.queue else None

    def send(self, packet, write):
        try:
            write(packet)
            self.stats["forwarded"] += 1
        except OSError:
            # The device is down or being moved to another namespace: the packet is gone, as
            # it would be on a link that is not up.
            self.stats["errors"] += 1


def checked(settings, key, low, high):
    value = settings[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{key} must be a number from {low} to {high}, not {value!r}")
    return float(value)


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description="TUN-to-TUN link with delay, jitter and loss")
    parser.add_argument("--a", required=True, help="name of the first TUN device")
    parser.add_argument("--b", required=True, help="name of the second TUN device")
    parser.add_argument("--config", default="{}", help="initial settings, as on stdin")
    parser.add_argument("--seed", type=int, default=None, help="seed for jitter and loss draws")
    args = parser.parse_args()
    for name in (args.a, args.b):
        if not 0 < len(name.encode()) < IFNAMSIZ:
            parser.error(f"device name {name!r} must be 1 to {IFNAMSIZ - 1} bytes")

    rng = random.Random(args.seed)
    directions = {"ab": Direction(rng), "ba": Direction(rng)}

    def apply(command):
        for key in ("ab", "ba"):
            if key in command:
                directions[key].configure(command[key])

    apply(json.loads(args.config))
    fd_a = open_tun(args.a)
    fd_b = open_tun(args.b)
    writers = {"ab": lambda p: os.write(fd_b, p), "ba": lambda p: os.write(fd_a, p)}
    sources = {fd_a: "ab", fd_b: "ba"}

    os.set_blocking(sys.stdin.fileno(), False)
    selector = selectors.EpollSelector()
    selector.register(fd_a, selectors.EVENT_READ)
    selector.register(fd_b, selectors.EVENT_READ)
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ)
    reply({"ready": True})

    control = b""
    while True:
        now = time.monotonic()
        dues = [d for d in (x.next_due() for x in directions.values()) if d is not None]
        timeout = max(0.0, min(dues) - now) if dues else None
        for key, _ in selector.select(timeout):
            fd = key.fd
            if fd == sys.stdin.fileno():
                chunk = os.read(fd, 65536)
                if not chunk:
                    return
                control += chunk
                while b"\n" in control:
                    line, control = control.split(b"\n", 1)
                    if not line.strip():
                        continue
                    try:
                        command = json.loads(line)
                        if command.get("stats"):
                            reply({"stats": {k: d.stats for k, d in directions.items()}})
                        else:
                            apply(command)
                            reply({"ok": True})
                    except (ValueError, AttributeError) as err:
                        reply({"error": str(err)})
                continue
            name = sources[fd]
            arrived = time.monotonic()
            for _ in range(READ_BURST):
                try:
                    packet = os.read(fd, READ_SIZE)
                except BlockingIOError:
                    break
                except OSError:
                    break
                directions[name].accept(packet, arrived, writers[name])
        now = time.monotonic()
        for name, direction in directions.items():
            direction.release_due(now, writers[name])


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
