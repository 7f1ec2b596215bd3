"""Load generation for the benchmarks: `wrk` replaying a pool of pre-rendered requests, with CPU accounting.

The Python client (threads in the benchmark's own process) shares the 2 cores with the server it measures and
capped the bare baseline, so every request that can be rendered beforehand goes through `wrk` (native, one
thread). Signed webhook bodies and per-request Idempotency-Keys are rendered in Python first and replayed once
each (bench/wrk_pool.lua). Without `wrk` on the machine the Python client runs instead, with a loud note.

Each run reports, beside req/s and latency percentiles, the CPU share of the load generator, of the server
(gunicorn master and workers) and of everything else on the machine, as CPU seconds / (wall × cores).
"""
from __future__ import annotations

import dataclasses
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from urllib.parse import urlsplit

import requests as http

from bench.harness import ROOT, load

CONNECTIONS = int(os.environ.get("BENCH_CONCURRENCY", "8"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "1"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))  # the time bound of one run, whatever its count
WRK = None if os.environ.get("BENCH_CLIENT") == "python" else shutil.which("wrk")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CORES = len(os.sched_getaffinity(0))
TICK = os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict
    body: bytes = b""

    def render(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(self.body)}",
                 *(f"{name}: {value}" for name, value in self.headers.items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def pool_size(count: int, connections: int = CONNECTIONS) -> int:
    """How many distinct requests a run of `count` needs: the spares cover requests in flight at the end."""
    return count + connections + WRK_THREADS


def client_note() -> str:
    if WRK:
        return (f"load generator: wrk ({WRK_THREADS} thread, {CONNECTIONS} connections), replaying pre-rendered "
                "requests once each")
    return ("!!! load generator: Python threads in the benchmark process (wrk not found; `apt-get install wrk`). "
            "The client takes CPU from the server it measures: ratios are pessimistic !!!")


def run(server: str, pool: list[Request], count: int, connections: int = CONNECTIONS) -> dict:
    """Send `count` of the pool's requests to `server` (a harness.Server); rate, latency and CPU shares."""
    return Run(server, pool, count, connections).finish()


class Run:
    """A load run in the background (wrk, or the Python client's threads) until `finish()`.

    `finish(interrupt=True)` ends it early, as Ctrl-C ends wrk: for load that only has to last as long as
    something else (the mixed-load benchmark's form submissions during a burst of webhooks).
    """

    def __init__(self, server: str, pool: list[Request], count: int, connections: int = CONNECTIONS):
        if urlsplit(server).hostname not in LOOPBACK:
            raise ValueError(f"benchmarks only load loopback servers, not {server}")
        if len(pool) < pool_size(count, connections):
            raise ValueError(f"a run of {count} needs a pool of {pool_size(count, connections)}, got {len(pool)}")
        self.count = count
        self.meter = CpuMeter(getattr(server, "pid", None))
        if WRK:
            self.workdir = tempfile.TemporaryDirectory()
            self.process = _start_wrk(server, pool, count, connections, self.workdir.name)
        else:
            self.stop, self.figures = threading.Event(), {}
            self.thread = threading.Thread(target=self._python, args=(server, pool, connections))
            self.thread.start()

    def _python(self, server: str, pool: list[Request], connections: int) -> None:
        def send(session: http.Session, i: int) -> int:
            request = pool[i]
            return session.request(request.method, server + request.path, data=request.body,
                                   headers=request.headers, timeout=10).status_code

        figures = load(self.count, connections, send, deadline=time.monotonic() + SECONDS, stop=self.stop)
        self.figures.update(client="python", **figures, time_bound=figures["requests"] < self.count)

    def finish(self, interrupt: bool = False) -> dict:
        if WRK:
            if interrupt:
                self.process.send_signal(signal.SIGINT)
            try:
                out, err = self.process.communicate(timeout=SECONDS + 30)
            finally:
                self.workdir.cleanup()
            figures = _wrk_figures(self.process.returncode, out, err)
        else:
            if interrupt:
                self.stop.set()
            self.thread.join()
            figures = self.figures
        return {**figures, **self.meter.shares()}


def _start_wrk(server: str, pool: list[Request], count: int, connections: int, workdir: str) -> subprocess.Popen:
    """wrk with `threads` pool files (thread k's quota on the first line, then its share of the pool)."""
    threads = max(1, min(WRK_THREADS, connections, count))
    host, prefix = urlsplit(server).netloc, os.path.join(workdir, "pool")
    for k in range(threads):
        with open(f"{prefix}.{k}", "wb") as out:
            out.write(f"{len(range(k, count, threads))}\n".encode())
            for request in pool[k::threads]:
                raw = request.render(host)
                out.write(f"{len(raw)}\n".encode() + raw)
    command = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{int(SECONDS)}s", "--timeout", "10s",
               "-s", os.path.join(ROOT, "bench", "wrk_pool.lua"), server, "--", prefix, str(threads)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wrk_figures(returncode: int, out: bytes, err: bytes) -> dict:
    line = next((line for line in out.decode().splitlines() if line.startswith("WRK_JSON ")), None)
    if returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({returncode}): {err.decode()[-500:]}")
    result = json.loads(line[len("WRK_JSON "):])
    wall = result["duration_us"] / 1e6
    return {"client": "wrk", "requests": result["requests"], "rps": result["requests"] / wall,
            "p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000, "max_ms": result["max_us"] / 1000,
            "errors": result["socket_errors"] + result["status_errors"], "time_bound": not result["complete"]}


def _process_ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as source:
            fields = source.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _children(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as source:
                    if int(source.read().rsplit(")", 1)[1].split()[1]) == pid:
                        children.append(int(entry))
            except OSError:
                continue
    return children


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as source:
        values = [int(v) for v in source.readline().split()[1:9]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU seconds of the client, the server and the whole machine over one run, as shares of wall × cores."""

    def __init__(self, server_pid: int | None):
        self.server = [server_pid, *_children(server_pid)] if server_pid else []
        self.started = time.monotonic()
        self.server_ticks = sum(_process_ticks(pid) for pid in self.server)
        self.machine = _machine_ticks()
        self.own = self._own_seconds()

    @staticmethod
    def _own_seconds() -> tuple[float, float]:
        """(this process, its reaped children): the Python client runs here, wrk is a reaped child."""
        me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime

    def shares(self) -> dict:
        wall = time.monotonic() - self.started
        own, children = self._own_seconds()
        # wrk is the only child reaped during a run; the Python client's threads are this process (with the
        # in-process emulators, idle during a run).
        client_cpu_s = children - self.own[1] if WRK else own - self.own[0]
        server_s = (sum(_process_ticks(pid) for pid in self.server) - self.server_ticks) / TICK
        busy, total = _machine_ticks()
        machine_busy_share = (busy - self.machine[0]) / max(1, total - self.machine[1])
        capacity = wall * CORES
        client, server = client_cpu_s / capacity, server_s / capacity
        return {"client_cpu": client, "server_cpu": server,
                "other_cpu": max(0.0, machine_busy_share - client - server), "wall_s": wall}


def describe(name: str, figures: dict) -> str:
    return (f"{name:<40} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms"
            f"  errors {figures['errors']}  CPU client {figures['client_cpu']:.0%} server {figures['server_cpu']:.0%}"
            f" rest {figures['other_cpu']:.0%}  [{figures['client']}"
            f"{', STOPPED BY THE TIME BOUND' if figures['time_bound'] else ''}]")
