#!/usr/bin/env python3
"""Differential test of corosim's `asyncio` policy against CPython's own event loop.

Generates seeded random programs over every step kind corosim's asyncio model
covers (compute, block, sleep, sleep 0, yield, io, spawn, join, call, lock and
unlock, repeat), with durations and arrival times drawn from small sets so that
ties are frequent, and runs each under CPython's unmodified
`asyncio.BaseEventLoop` on a virtual clock:

- the clock is an integer count of nanoseconds (`loop.time()`), with a clock
  resolution of one nanosecond, as CPython's monotonic clock has;
- `compute` and `block` advance the clock without yielding (CPU work and
  `time.sleep` hold the loop alike);
- `sleep` is `asyncio.sleep`, `yield` is `asyncio.sleep(0)`, a lock is an
  `asyncio.Lock`, `spawn` is `loop.create_task`, `join` is `asyncio.gather`
  over the children spawned since the last join, `call` awaits the class's
  program inline;
- an `io` and an arrival are events outside the loop: a virtual selector
  returns them from `select()` once the clock reaches them (in order of time,
  then of when they were scheduled, arrivals first), and `_process_events`
  queues their callbacks, which set the I/O's future or create the task.
  Nothing else of the loop is replaced: `_run_once`, the timer heap, `call_soon`,
  tasks, futures, gather and locks are CPython's own.

The only module constant changed is `base_events.MAXIMUM_SELECT_TIMEOUT`
(24 hours, in the loop's time unit, here nanoseconds), raised so that an idle
loop sleeps to its next timer in one select as it would with seconds.

Usage:
  differential.py --programs N [--seed S] --out FILE
      writes one JSON object per line: {"id", "toml", "tasks": {name: [start, finish]}}
      (the corosim test, tests/it/asyncio.rs, runs each scenario and compares);
  differential.py --programs N [--seed S] --corosim PATH/TO/corosim
      runs the corosim binary on each program itself and reports differences.
Standard library only.
"""

import argparse
import asyncio
import asyncio.base_events as base_events
import collections
import heapq
import json
import os
import random
import subprocess
import sys
import tempfile

base_events.MAXIMUM_SELECT_TIMEOUT = 1 << 62

US = 1000  # nanoseconds


class Idle(Exception):
    """The loop would block forever: nothing is ready, scheduled or pending."""


class VirtualSelector:
    """select() on a virtual clock: waits (advances the clock) until the
    timeout or the next external event, and returns the callbacks of every
    external event due by then."""

    def __init__(self, loop):
        self.loop = loop
        self.pending = []  # heap of (time, seq, callback)
        self.seq = 0

    def schedule(self, when, callback, seq=None):
        if seq is None:
            seq = self.seq
            self.seq += 1
        heapq.heappush(self.pending, (when, seq, callback))

    def select(self, timeout):
        now = self.loop.now
        if timeout is None:
            if not self.pending:
                raise Idle()
            target = max(now, self.pending[0][0])
        else:
            target = now + timeout
            if self.pending and self.pending[0][0] < target:
                target = max(now, self.pending[0][0])
        self.loop.now = target
        due = []
        while self.pending and self.pending[0][0] <= self.loop.now:
            due.append(heapq.heappop(self.pending)[2])
        return due

    def close(self):
        pass


class VirtualLoop(base_events.BaseEventLoop):
    """CPython's BaseEventLoop with a virtual clock and selector."""

    def __init__(self):
        super().__init__()
        self.now = 0
        self._clock_resolution = 1
        self._selector = VirtualSelector(self)
        self.set_debug(False)

    def time(self):
        return self.now

    def _process_events(self, event_list):
        for callback in event_list:
            self._add_callback(asyncio.Handle(callback, (), self, None))

    def _write_to_self(self):
        pass


# ---- programs ----

COMPUTE = [1 * US, 2 * US, 3 * US]
SLEEP = [0, 1 * US, 2 * US, 3 * US, 5 * US]
IO = [1 * US, 2 * US, 3 * US, 4 * US]
BLOCK = [1 * US, 2 * US]
ARRIVAL = [0, 0, 1 * US, 2 * US, 3 * US, 5 * US]


def simple_step(rng):
    kind = rng.choice(["compute", "compute", "sleep", "io", "yield", "block"])
    if kind == "compute":
        return ("compute", rng.choice(COMPUTE))
    if kind == "sleep":
        return ("sleep", rng.choice(SLEEP))
    if kind == "io":
        return ("io", rng.choice(IO))
    if kind == "block":
        return ("block", rng.choice(BLOCK))
    return ("yield",)


def gen_steps(rng, me, classes, helpers_from, depth):
    """Steps of class `me`: it may spawn or call only helper classes after it,
    so spawns and calls never cycle; lock sections hold only simple steps and
    no other lock, so nothing deadlocks."""
    later = [c for c in range(max(me + 1, helpers_from), classes)]
    steps = []
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.45:
            steps.append(simple_step(rng))
        elif r < 0.60 and later:
            steps.append(("spawn", rng.choice(later), rng.randint(1, 3)))
        elif r < 0.70:
            steps.append(("join",))
        elif r < 0.76 and later:
            steps.append(("call", rng.choice(later)))
        elif r < 0.90:
            lock = "m%d" % rng.randint(0, 1)
            body = [simple_step(rng) for _ in range(rng.randint(1, 3))]
            steps += [("lock", lock)] + body + [("unlock", lock)]
        elif depth < 2:
            body = gen_steps(rng, me, classes, helpers_from, depth + 1)
            steps.append(("repeat", rng.randint(1, 3), body))
        else:
            steps.append(simple_step(rng))
    return steps


def generate(rng):
    classes = rng.randint(2, 7)
    roots = rng.randint(1, min(4, classes - 1))
    programs = [gen_steps(rng, c, classes, roots, 0) for c in range(classes)]
    arrivals = [rng.choice(ARRIVAL) for _ in range(roots)]
    return {"programs": programs, "arrivals": arrivals}


def duration(ns):
    return '"%dns"' % ns


def step_toml(step):
    kind = step[0]
    if kind in ("compute", "sleep", "io", "block"):
        return "{ %s = %s }" % (kind, duration(step[1]))
    if kind == "yield":
        return '"yield"'
    if kind == "join":
        return '"join"'
    if kind == "spawn":
        return '{ spawn = "c%d", count = %d }' % (step[1], step[2])
    if kind == "call":
        return '{ call = "c%d" }' % step[1]
    if kind in ("lock", "unlock"):
        return '{ %s = "%s" }' % (kind, step[1])
    if kind == "repeat":
        return "{ repeat = %d, body = [%s] }" % (
            step[1],
            ", ".join(step_toml(s) for s in step[2]),
        )
    raise ValueError(step)


def to_toml(spec, ident):
    out = [
        'name = "differential-%d"' % ident,
        'horizon = "1s"',
        "",
        "[[policy]]",
        'kind = "asyncio"',
    ]
    for c, program in enumerate(spec["programs"]):
        out += ["", "[[task]]", 'name = "c%d"' % c]
        if c < len(spec["arrivals"]):
            out.append('arrival = { process = "at", times = [%s] }' % duration(spec["arrivals"][c]))
        out.append("program = [%s]" % ", ".join(step_toml(s) for s in program))
    return "\n".join(out) + "\n"


# ---- running a program under CPython ----

class Run:
    def __init__(self, spec):
        self.spec = spec
        self.loop = VirtualLoop()
        self.locks = collections.defaultdict(asyncio.Lock)
        self.counts = collections.Counter()
        self.times = {}
        self.created = 0

    def name(self, cls):
        index = self.counts[cls]
        self.counts[cls] += 1
        self.created += 1
        return "c%d#%d" % (cls, index)

    async def task(self, cls, name):
        start = self.loop.time()
        await self.steps(self.spec["programs"][cls], [])
        self.times[name] = [start, self.loop.time()]

    async def steps(self, steps, children):
        loop = self.loop
        for step in steps:
            kind = step[0]
            if kind in ("compute", "block"):
                loop.now += step[1]
            elif kind == "sleep":
                await asyncio.sleep(step[1])
            elif kind == "yield":
                await asyncio.sleep(0)
            elif kind == "io":
                fut = loop.create_future()
                loop._selector.schedule(loop.now + step[1], lambda f=fut: f.set_result(None))
                await fut
            elif kind == "spawn":
                for _ in range(step[2]):
                    cls = step[1]
                    children.append(loop.create_task(self.task(cls, self.name(cls))))
            elif kind == "join":
                joined = children[:]
                children.clear()
                await asyncio.gather(*joined)
            elif kind == "call":
                await self.steps(self.spec["programs"][step[1]], children)
            elif kind == "lock":
                await self.locks[step[1]].acquire()
            elif kind == "unlock":
                self.locks[step[1]].release()
            elif kind == "repeat":
                for _ in range(step[1]):
                    await self.steps(step[2], children)
            else:
                raise ValueError(step)

    def run(self):
        selector = self.loop._selector
        roots = len(self.spec["arrivals"])
        for cls, at in enumerate(self.spec["arrivals"]):
            # Arrivals are scheduled before anything else, in class order.
            name = self.name(cls)
            selector.schedule(
                at, lambda c=cls, n=name: self.loop.create_task(self.task(c, n)), seq=-roots + cls
            )
        try:
            self.loop.run_forever()
        except Idle:
            pass
        finally:
            self.loop.close()
        if len(self.times) != self.created:
            raise RuntimeError("program did not finish: %d of %d tasks" % (len(self.times), self.created))
        return self.times


def programs(count, seed):
    for ident in range(count):
        rng = random.Random(seed * 1_000_003 + ident)
        spec = generate(rng)
        yield ident, to_toml(spec, ident), Run(spec).run()


def corosim_times(binary, toml_text):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "p.toml")
        with open(path, "w") as f:
            f.write(toml_text)
        subprocess.run(
            [binary, "run", path, "--out", os.path.join(tmp, "out"), "--tasks-csv", "--no-plots", "--quiet", "--jobs", "1"],
            check=True,
        )
        times = {}
        with open(os.path.join(tmp, "out", "tasks.csv")) as f:
            header = f.readline().strip().split(",")
            task, start, finish = (header.index(c) for c in ("task", "start_ns", "finish_ns"))
            for line in f:
                cols = line.strip().split(",")
                times[cols[task]] = [int(cols[start]), int(cols[finish])]
        return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--programs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="write the programs and CPython's times as JSON lines")
    target.add_argument("--corosim", help="run this corosim binary on each program and compare")
    args = parser.parse_args()
    if args.out:
        with open(args.out, "w") as out:
            for ident, text, times in programs(args.programs, args.seed):
                out.write(json.dumps({"id": ident, "toml": text, "tasks": times}) + "\n")
        return 0
    diffs = 0
    for ident, text, times in programs(args.programs, args.seed):
        got = corosim_times(args.corosim, text)
        if got != times:
            diffs += 1
            if diffs <= 5:
                print("program %d differs:\n%s" % (ident, text))
                for name in sorted(set(times) | set(got)):
                    mark = "" if times.get(name) == got.get(name) else "   <--"
                    print("  %-8s cpython %-16s corosim %s%s" % (name, times.get(name), got.get(name), mark))
    print("%d programs, %d differ" % (args.programs, diffs))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
