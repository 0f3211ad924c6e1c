"""benchmarks/pages_load.py sends its requests evenly spread, not in bursts.

Locust's own pacing started every user in the same instant of each second, so a page
answering in 1 ms measured 25 to 50 ms of waiting behind the others. This runs the load
process against a small server of our own on 127.0.0.1 (2 s at 20 requests a second)
and looks at when the requests arrived.
"""

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RATE, SECONDS = 20, 2


def test_requests_arrive_evenly_at_the_rate_asked():
    arrivals: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            arrivals.append(time.monotonic())
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = {"name": "page", "method": "GET", "path": "/", "data": None, "cookies": {},
            "seconds": SECONDS, "rate": RATE}  # fmt: skip
    try:
        done = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "pages_load.py"),
             f"http://127.0.0.1:{server.server_port}"],
            input=json.dumps(page) + "\n", capture_output=True, text=True, timeout=60,
            check=True,
        )  # fmt: skip
    finally:
        server.shutdown()
    figures = json.loads(done.stdout)
    assert figures["errors"] == 0
    assert figures["requests"] >= RATE * SECONDS * 0.9
    # Evenly spread: one every 50 ms. All 20 users at once (Locust's constant_throughput)
    # put 20 requests inside a few milliseconds of each second.
    steady = sorted(arrivals)[RATE:]  # after the first second
    most_in_20ms = max(sum(1 for t in steady if start <= t < start + 0.02) for start in steady)
    assert most_in_20ms <= 3, f"{most_in_20ms} requests within 20 ms"
