"""A small HTTP load generator on loopback: N client threads with keep-alive connections.

Every request is recorded as (start offset, seconds taken, status), so the same tool gives
latency percentiles and, for the fault drills, a timeline of when errors happened.
Requests are bounded both in count and in time: a run always stops by itself.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Sample:
    started: float  # seconds since the run began
    seconds: float
    status: int  # 0 when the connection itself failed; anything but 200 counts as an error


@dataclass
class LoadResult:
    samples: list[Sample] = field(default_factory=list)

    def latencies(self, ok_only: bool = True) -> list[float]:
        return sorted(s.seconds for s in self.samples if not ok_only or s.status == 200)

    def percentile(self, p: float) -> float:
        values = self.latencies()
        if not values:
            return float("nan")
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.status != 200]

    def errors_outside(self, windows: list[tuple[float, float]]) -> int:
        return sum(1 for s in self.errors if not any(a <= s.started <= b for a, b in windows))


def run_load(
    base_url: str,
    paths: list[str],
    *,
    clients: int,
    seconds: float,
    max_requests: int = 1_000_000,
    cookie: str = "",
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Each client loops over `paths` until `seconds` pass or `max_requests` are made in all."""
    parts = urlsplit(base_url)
    assert parts.hostname, f"no host in {base_url}"
    host = parts.hostname
    result = LoadResult()
    lock = threading.Lock()
    began = time.perf_counter()
    deadline = began + seconds
    sent = [0]
    extra = {"Cookie": cookie} if cookie else {}
    extra.update(headers or {})

    def client(index: int) -> None:
        conn: http.client.HTTPConnection | None = None
        i = index
        while True:
            with lock:
                if time.perf_counter() >= deadline or sent[0] >= max_requests:
                    break
                sent[0] += 1
            path = paths[i % len(paths)]
            i += 1
            start = time.perf_counter()
            status = 0
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, parts.port, timeout=30)
                conn.request("GET", path, headers=extra)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)  # a refused connection returns at once; don't spin
            sample = Sample(start - began, time.perf_counter() - start, status)
            with lock:
                result.samples.append(sample)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    return result


def fetch_once(base_url: str, path: str, *, cookie: str = "", headers: dict[str, str] | None = None) -> Sample:
    """One GET on a connection of its own, as a first visit makes it: timed from connect to the
    last byte. `started` is 0; a failed connection is status 0."""
    parts = urlsplit(base_url)
    assert parts.hostname, f"no host in {base_url}"
    extra = {"Cookie": cookie} if cookie else {}
    extra.update(headers or {})
    start = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path, headers=extra)
        response = conn.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        conn.close()
    return Sample(0.0, time.perf_counter() - start, status)
