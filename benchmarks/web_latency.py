"""Latency and throughput of ``POST /api/predict`` on loopback, as the page calls it.

The server is ``lenetlab serve`` in its own process (as a user starts it),
on a free port of 127.0.0.1; the body is a 280x280 PNG of a digit drawn with
round strokes, dark on white, as the page's pad sends it. Three measurements:

1. in-process: preprocessing, the network and the JSON answer without HTTP,
   to show what the web layer adds;
2. sequential: N requests one after another on one keep-alive connection,
   with and without feature maps: median, 99th percentile, maximum;
3. concurrent: C clients, each on its own keep-alive connection, for S
   seconds, with feature maps as the page asks: errors and throughput.

The bars (issue 3): median at most 5 ms and 99th percentile at most 20 ms
over 1,000 sequential requests; no errors from 16 clients over 30 s.

    python benchmarks/web_latency.py RUN_DIR            # the README's figures
    python benchmarks/web_latency.py RUN_DIR --quick    # a ten-second smoke run
    python benchmarks/web_latency.py                    # trains a small model first
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, write_results  # noqa: E402

MEDIAN_BAR_MS = 5.0
P99_BAR_MS = 20.0
STARTUP_SECONDS = 120
WARMUP_REQUESTS = 50


def drawn_digit_png(size: int = 280) -> bytes:
    """A "3" drawn with a 18-pixel round brush, dark on white, RGBA like a canvas export."""
    picture = Image.new("RGBA", (size, size), (255, 255, 255, 255))
    pen = ImageDraw.Draw(picture)
    scale = size / 280
    strokes = [
        [(85, 70), (120, 48), (165, 50), (190, 80), (175, 120), (135, 138)],
        [(135, 138), (180, 150), (200, 190), (180, 228), (130, 240), (85, 220)],
    ]
    for points in strokes:
        scaled = [(x * scale, y * scale) for x, y in points]
        pen.line(scaled, fill=(17, 17, 17, 255), width=round(18 * scale), joint="curve")
        for x, y in (scaled[0], scaled[-1]):
            radius = 9 * scale
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(17, 17, 17, 255))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0-1) by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ms = [1000 * s for s in seconds]
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms),
        "p99_ms": percentile(ms, 0.99),
        "mean_ms": statistics.fmean(ms),
        "max_ms": max(ms),
    }


# ---- the server, in its own process ----


class Server:
    """``lenetlab serve`` on a free loopback port, stopped like a user stops it (Ctrl+C)."""

    def __init__(self, checkpoint: str, threads: int, workers: int | None) -> None:
        command = [sys.executable, "-m", "lenetlab.cli.main", "serve", checkpoint, "--port", "0"]
        command += ["--threads", str(threads)]
        if workers is not None:
            command += ["--workers", str(workers)]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + STARTUP_SECONDS
        for line in self.process.stderr:
            found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
            if found:
                address = urlsplit(found.group(1))
                self.host, self.port = address.hostname, address.port
                break
            if time.monotonic() > deadline:
                break
        else:
            raise RuntimeError(f"lenetlab serve did not start (exit {self.process.wait()})")
        # keep reading stderr so the server never blocks on a full pipe
        self.log: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def post(connection: http.client.HTTPConnection, body: bytes, features: bool) -> int:
    """One ``POST /api/predict`` on a kept-alive connection; returns the status, body read."""
    path = "/api/predict" if features else "/api/predict?features=0"
    connection.request("POST", path, body=body, headers={"Content-Type": "image/png"})
    response = connection.getresponse()
    answer = response.read()
    if response.status == 200 and b'"digit"' not in answer:
        return -1
    return response.status


# ---- the measurements ----


def in_process(checkpoint: str, body: bytes, threads: int, count: int) -> dict[str, dict]:
    """The server's work without HTTP: reading the image, and building the whole answer."""
    import torch

    from lenetlab.inference import Recogniser
    from lenetlab.web.answers import FEATURE_LAYERS, prediction_answer

    torch.set_num_threads(threads)
    recogniser = Recogniser.from_checkpoint(checkpoint)
    steps = {
        "read": lambda: recogniser.read(body),
        "answer_without_maps": lambda: json.dumps(prediction_answer(recogniser.read(body))),
        "answer_with_maps": lambda: json.dumps(
            prediction_answer(recogniser.read(body, maps=FEATURE_LAYERS))
        ),
    }
    results = {}
    for name, step in steps.items():
        for _ in range(WARMUP_REQUESTS):
            step()
        times = []
        for _ in range(count):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        results[name] = latency_summary(times)
    return results


def sequential(server: Server, body: bytes, count: int, features: bool) -> dict:
    connection = server.connect()
    for _ in range(WARMUP_REQUESTS):
        post(connection, body, features)
    times, errors = [], 0
    for _ in range(count):
        start = time.perf_counter()
        status = post(connection, body, features)
        times.append(time.perf_counter() - start)
        errors += status != 200
    connection.close()
    return latency_summary(times) | {"errors": errors, "features": features}


def concurrent(server: Server, body: bytes, clients: int, seconds: float) -> dict:
    """``clients`` threads posting back to back for ``seconds``; every failure counted."""
    deadline = time.monotonic() + seconds
    times: list[list[float]] = [[] for _ in range(clients)]
    errors: list[list[str]] = [[] for _ in range(clients)]

    def client(number: int) -> None:
        connection = server.connect()
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                status = post(connection, body, features=True)
            except (OSError, http.client.HTTPException) as error:
                errors[number].append(type(error).__name__)
                connection.close()
                connection = server.connect()
                continue
            times[number].append(time.perf_counter() - start)
            if status != 200:
                errors[number].append(f"HTTP {status}")
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    every_time = [t for per_client in times for t in per_client]
    every_error = [e for per_client in errors for e in per_client]
    return latency_summary(every_time) | {
        "clients": clients,
        "seconds": elapsed,
        "requests": len(every_time),
        "errors": len(every_error),
        "error_kinds": sorted(set(every_error)),
        "throughput_per_s": len(every_time) / elapsed,
        "features": True,
    }


# ---- the report ----


def markdown(results: dict) -> str:
    seq = results["sequential"]
    conc = results["concurrent"]
    proc = results["in_process"]

    def verdict(ok: bool) -> str:
        return "meets" if ok else "**misses**"

    lines = [
        "# `POST /api/predict` latency on loopback",
        "",
        (
            f"Body: a {results['body_bytes']:,}-byte 280x280 PNG of a drawn digit. "
            f"Server: `lenetlab serve` with {results['threads']} PyTorch thread(s) and "
            f"{results['workers'] or 'the default number of'} worker(s); "
            f"{results['machine']['cpus']} CPUs, Python {results['machine']['python']}, "
            f"torch {results['machine']['torch']}; load average "
            f"{results['load_average_before']:.1f} when it started."
        ),
        "",
        f"| {seq[0]['n']:,} sequential requests | median | 99th pct | mean | max | errors |",
        "|---|---|---|---|---|---|",
    ]
    for row in seq:
        label = "with feature maps" if row["features"] else "without feature maps (`?features=0`)"
        lines.append(
            f"| {label} | {row['median_ms']:.2f} ms | {row['p99_ms']:.2f} ms "
            f"| {row['mean_ms']:.2f} ms | {row['max_ms']:.2f} ms | {row['errors']} |"
        )
    lines += [
        "",
        f"Bars: median ≤ {MEDIAN_BAR_MS:g} ms, 99th percentile ≤ {P99_BAR_MS:g} ms.",
    ]
    for row in seq:
        label = "with" if row["features"] else "without"
        lines.append(
            f"- {label} feature maps: median {verdict(row['median_ms'] <= MEDIAN_BAR_MS)} its bar, "
            f"99th percentile {verdict(row['p99_ms'] <= P99_BAR_MS)} its bar."
        )
    lines += [
        "",
        (
            f"{conc['clients']} concurrent clients for {conc['seconds']:.0f} s "
            f"(with feature maps): {conc['requests']:,} requests, {conc['errors']} errors, "
            f"{conc['throughput_per_s']:.0f} requests/s, median {conc['median_ms']:.1f} ms, "
            f"99th percentile {conc['p99_ms']:.1f} ms."
        ),
        "",
        "The server's own work, in process, without HTTP (median / 99th pct):",
        "",
    ]
    for name, row in proc.items():
        lines.append(f"- {name.replace('_', ' ')}: {row['median_ms']:.2f} / {row['p99_ms']:.2f} ms")
    return "\n".join(lines) + "\n"


def quick_model(out: Path) -> str:
    from lenetlab.training.config import TrainConfig
    from lenetlab.training.loop import train

    train(TrainConfig(limit=20_000, epochs=3, threads=1, download=False), out)
    return str(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", nargs="?", metavar="RUN_DIR_OR_CHECKPOINT", default=None)
    parser.add_argument("--requests", type=int, default=1000, help="sequential requests (1000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--seconds", type=float, default=30.0, help="concurrent run length (30)")
    parser.add_argument("--threads", type=int, default=1, help="server's PyTorch threads (1)")
    parser.add_argument("--workers", type=int, default=None, help="server's worker threads")
    parser.add_argument("--quick", action="store_true", help="100 requests, 4 clients, 3 s")
    parser.add_argument("--name", default="web_latency", help="results file name (web_latency)")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.clients, args.seconds = 100, 4, 3.0

    with tempfile.TemporaryDirectory() as scratch:
        checkpoint = args.checkpoint or quick_model(Path(scratch) / "run")
        body = drawn_digit_png()
        results = {
            "body_bytes": len(body),
            "threads": args.threads,
            "workers": args.workers,
            "machine": machine(),
            "load_average_before": os.getloadavg()[0],  # other work sharing the CPUs
            "in_process": in_process(checkpoint, body, args.threads, args.requests),
        }

        server = Server(checkpoint, args.threads, args.workers)
        try:
            results["sequential"] = [
                sequential(server, body, args.requests, features=False),
                sequential(server, body, args.requests, features=True),
            ]
            results["concurrent"] = concurrent(server, body, args.clients, args.seconds)
        finally:
            server.stop()

    text = markdown(results)
    path = write_results(args.name, results, text)
    print(text)
    print(f"results written to {path} and {path.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
