"""The load half of benchmarks/pages.py: Locust, one page at a time, at a constant rate.

    .venv/bin/python benchmarks/pages_load.py BASE_URL

Reads one JSON object a line on stdin, a page to load::

    {"name": ..., "method": "GET", "path": "/", "data": {...} | null,
     "cookies": {"sessionid": ..., "csrftoken": ...}, "seconds": 10, "rate": 50}

and answers each with one JSON line of figures (requests/s, median, p95 and p99 in
milliseconds, errors and the first error seen, requests still unanswered at the end).
``rate`` users each open the page once a second, each in a time slot of its own
(user n at n / rate past the second), so the requests arrive evenly, one every
1 / rate seconds. A page that answers in time is opened ``rate`` times a second; one
that does not answers fewer (a user waiting for an answer skips its missed slots), and
the figures show how far behind it fell. The first second (users starting) is left out
of the figures.

Why the slots: Locust's ``constant_throughput`` paces each user from when the user was
created, and Locust creates them together, so all 50 opened the page in the same few
milliseconds of every second. A page answering in 1 ms then measured a median of 25 to
50 ms, the time to wait behind the others (measured on /healthz: 33 ms median with
``constant_throughput``, 3 ms with the slots; wrk, one connection: 0.8 ms).

A process of its own: Locust patches the standard library for gevent on import, which
the Django side of the benchmark must not see.
"""

import json
import logging
import sys
import time
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, task
from locust.env import Environment

RAMP_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 30.0


def load(base: str, page: dict) -> dict:
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in page["cookies"].items())}
    body = None
    if page["method"] == "POST":
        headers["X-CSRFToken"] = page["cookies"]["csrftoken"]
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(page["data"] or {}, doseq=True)
    errors: list[str] = []
    waiting = [0]  # requests sent and not answered yet
    expected = page.get("status") or 200

    users = page["rate"]  # each opens the page once a second
    first_at = time.perf_counter() + RAMP_SECONDS / 2
    spawned = [0]

    class Visitor(FastHttpUser):
        host = base
        network_timeout = REQUEST_TIMEOUT_SECONDS
        connection_timeout = REQUEST_TIMEOUT_SECONDS

        def on_start(self):
            # Each user keeps a time slot of its own: user n opens the page at
            # n / rate past each second, so requests arrive one every 1 / rate seconds.
            # (Locust's constant_throughput paces each user from when it was created;
            # created together, they all open the page at the same instant, and a
            # cheap page then queues behind 49 others.)
            self.next_at = first_at + spawned[0] / page["rate"]
            spawned[0] += 1
            gevent.sleep(max(0.0, self.next_at - time.perf_counter()))

        def wait_time(self):
            # Slots missed while a slow answer was awaited are skipped, not made up at once.
            now = time.perf_counter()
            self.next_at += 1.0
            while self.next_at < now:
                self.next_at += 1.0
            return self.next_at - now

        @task
        def open_page(self):
            waiting[0] += 1
            try:
                self._request()
            finally:
                waiting[0] -= 1

        def _request(self):
            with self.client.request(
                page["method"], page["path"], data=body, headers=headers, name=page["name"],
                allow_redirects=False, catch_response=True,
            ) as response:  # fmt: skip
                # The answer the page gave in-process (a refusal redirects, on purpose).
                if response.status_code != expected:
                    reason = f"HTTP {response.status_code}"
                    if response.status_code in (301, 302):
                        reason += f" to {response.headers.get('Location')}"
                    errors.append(reason)
                    response.failure(reason)

    environment = Environment(user_classes=[Visitor])
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users / (RAMP_SECONDS / 2))
    gevent.sleep(RAMP_SECONDS)
    environment.stats.reset_all()
    started = time.perf_counter()
    gevent.sleep(page["seconds"])
    elapsed = time.perf_counter() - started
    total = environment.stats.total
    figures = {
        "name": page["name"],
        "requests": total.num_requests,
        "rps": total.num_requests / elapsed,
        "median": total.median_response_time if total.num_requests else None,
        "p95": total.get_response_time_percentile(0.95) if total.num_requests else None,
        "p99": total.get_response_time_percentile(0.99) if total.num_requests else None,
        "errors": total.num_failures,
        # Still waiting when the load stopped: a page slower than the whole window
        # shows here, not among the errors.
        "unanswered": waiting[0],
        "first_error": next(iter(errors), ""),
    }
    runner.quit()
    return figures


def main():
    base = sys.argv[1]
    # Locust reports every failure in its log as well; the figures say it once.
    logging.basicConfig(level=logging.ERROR)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(load(base, json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
