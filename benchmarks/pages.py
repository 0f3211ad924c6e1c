"""Every page a participant or the committee opens, at 50 requests a second, at 10,000
people and at the demo's size, side by side.

    .venv/bin/python benchmarks/pages.py                 # both sizes, 10 s a page
    .venv/bin/python benchmarks/pages.py --reuse         # restore today's seeded databases
    .venv/bin/python benchmarks/pages.py --pages journey,results --seconds 5

Needs a PostgreSQL it may create databases on (``--postgres``, default
postgres://postgres@127.0.0.1:5432, trust authentication) and the ``dev`` extra (Locust).
For each size it creates a disposable database, migrates it and runs ``seed_demo`` and
``seed_organisation`` (the full size: 6,000 APMs and 4,000 mentors; the demo size: the
demo's 40 APMs and 25 mentors, so that the same pages exist: matches, meetings and
surveys). Each seeded database is dumped to ``.run/bench-pages/``; with ``--reuse`` a dump
made today is restored instead of seeding again.

Then it signs in an APM, their mentor and a committee member (with a TOTP
authenticator) by writing their sessions directly, as a sign-in would, and starts
gunicorn with the production settings (DEBUG off, three sync workers) on 127.0.0.1.
Each page is opened once in-process to count its queries, then loaded by Locust at a
constant rate for ``--seconds`` seconds (benchmarks/pages_load.py). Everything it
started, databases included, is removed at the end, also on Ctrl-C.

The goal (issue 13): median under 30 ms, 95th percentile under 100 ms, no errors, and as
many queries at 10,000 people as at the demo's size. The last column says what a page
misses of it at full size. Asserts nothing.
"""

import argparse
import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
CACHE = ROOT / ".run" / "bench-pages"
DATABASE_PREFIX = "mentorship_bench_pages_"
SIZES = {
    "full": {"apms": 6000, "mentors": 4000, "survey_responses": 5000},
    "demo": {"apms": 40, "mentors": 25, "survey_responses": 33},
}
GOAL = {"median": 30, "p95": 100}
WORKERS = 3
# In-process requests one after the other, for the time a page takes with no queue.
ALONE_REPEATS, ALONE_SECONDS = 5, 5.0
PAGE_LIMIT_SECONDS = 60
# A query that reads more rows than this of one table is listed under the table, with
# its plan's figures (EXPLAIN ANALYZE): at 10,000 people that is a query whose work grows
# with the organisation, whatever its time today.
WIDE_READ_ROWS = 1_000
# Files whose change makes a cached database stale.
SEEDED_FROM = ["*/migrations/*.py", "mentorship/demo.py",
               "mentorship/management/organisation/*.py", "surveys/starter.py",
               "toolkit/content.py", "toolkit/content/**/*"]  # fmt: skip


# --- Processes and databases -------------------------------------------------------------


def environment(database_url: str, folder: Path) -> dict:
    """Production settings, on plain HTTP on 127.0.0.1 (what TLS would sit in front of)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentorship.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "RUN_DIR": str(folder),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "ADMINS": "",
        "REDIS_URL": "",
    }


def manage(env: dict, *args: str, log: Path) -> None:
    with log.open("a") as out:
        subprocess.run(  # noqa: S603 - our own arguments
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            check=True,
        )  # fmt: skip


class Postgres:
    """Databases named mentorship_bench_pages_*, created here and dropped at the end."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.made: list[str] = []

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True)  # noqa: S603

    def sql(self, statement: str) -> None:
        self._run("psql", "-X", "-q", "-d", f"{self.url}/postgres", "-c", statement)

    def create(self, name: str) -> str:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return f"{self.url}/{name}"

    def dump(self, name: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        self._run("pg_dump", "-Fc", "-f", str(partial), f"{self.url}/{name}")
        partial.replace(path)

    def restore(self, name: str, path: Path) -> None:
        self._run("pg_restore", "--no-owner", "-j", "2", "-d", f"{self.url}/{name}", str(path))

    def analyze(self, name: str) -> None:
        """Planner statistics and visibility maps, which neither pg_restore nor a bulk
        seed leaves behind.

        A production database has both from autovacuum; without statistics (and with
        autovacuum off, as on the benchmark machine) PostgreSQL guesses row counts and
        picks plans that scan: the toolkit's pair suggestions read every meeting topic.
        Without visibility maps an index-only count (the cohort list's) reads the table.
        """
        self._run("psql", "-X", "-q", "-d", f"{self.url}/{name}", "-c", "VACUUM ANALYZE")

    def drop_all(self) -> None:
        for name in self.made:
            with contextlib.suppress(subprocess.CalledProcessError):
                self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()


def cache_path(size: str) -> Path:
    digest = hashlib.sha256(json.dumps(SIZES[size], sort_keys=True).encode())
    for pattern in SEEDED_FROM:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    # Seeded dates are relative to the day of seeding (an open survey, recent meetings).
    return CACHE / f"{size}-{date.today():%Y%m%d}-{digest.hexdigest()[:12]}.dump"


def database_ready(postgres: Postgres, size: str, folder: Path, *, reuse: bool) -> tuple:
    """(DATABASE_URL, environment, how it was made) of a seeded database of that size."""
    name = DATABASE_PREFIX + size
    url = postgres.create(name)
    env = environment(url, folder)
    dump = cache_path(size)
    if reuse and dump.exists():
        started = time.perf_counter()
        postgres.restore(name, dump)
        postgres.analyze(name)
        return url, env, f"restored from {dump.name} in {time.perf_counter() - started:.0f} s"
    log = folder / f"seed-{size}.log"
    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0", log=log)
    migrated = time.perf_counter()
    numbers = SIZES[size]
    manage(env, "seed_organisation", "--i-know-this-is-not-production", "-v2",
           "--apms", str(numbers["apms"]), "--mentors", str(numbers["mentors"]),
           "--survey-responses", str(numbers["survey_responses"]), log=log)  # fmt: skip
    seeded = time.perf_counter()
    postgres.analyze(name)
    postgres.dump(name, dump)
    return (
        url,
        env,
        (
            f"migrated in {migrated - started:.0f} s, seeded in {seeded - migrated:.0f} s "
            f"(steps in {log})"
        ),
    )


class Gunicorn:
    def __init__(self, env: dict, port: int, folder: Path):
        self.env, self.port, self.folder, self.process = env, port, folder, None
        self.base = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own arguments
            [PYTHON, "-m", "gunicorn", "mentorship.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(WORKERS), "--timeout", "60", "--graceful-timeout", "5"],
            cwd=ROOT, env=self.env, stdout=(self.folder / "gunicorn.log").open("a"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.answers_within(2.0):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start; see {self.folder / 'gunicorn.log'}")

    def answers_within(self, seconds: float) -> bool:
        # A static file: WhiteNoise answers it in the same queue as the pages, cheaply.
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own http://127.0.0.1 address
                f"{self.base}/static/admin/css/base.css", timeout=seconds
            ) as response:
                return response.status == 200
        except OSError:
            return False

    def settle(self) -> None:
        """Wait for requests a load left queued; restart the workers if they take long."""
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            started = time.perf_counter()
            if self.answers_within(1.0) and time.perf_counter() - started < 0.05:
                return
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


# --- The pages (in a process of its own per database: Django set up on that database) ---


def _sign_in(user, *, totp=None) -> dict:
    """Cookies of a signed-in session, written the way a sign-in writes it."""
    from django.contrib.auth import login
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = SessionStore()
    login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
    # What allauth keeps of how the person signed in (allauth.account.internal.flows.login):
    # a password, and for the committee the TOTP code as well.
    now = time.time()
    methods = [{"method": "password", "at": now, "email": user.email}]
    if totp is not None:
        methods.append({"method": "mfa", "at": now, "id": totp.pk, "type": "totp"})
    # The password given again, dated an hour ahead: the pages that ask for it after a
    # few minutes ("Your data") are loaded long after these sessions are written.
    methods.append({**methods[0], "at": now + 3600, "reauthenticated": True})
    request.session["account_authentication_methods"] = methods
    request.session["account_authentication_methods_user"] = str(user.pk)
    request.session.save()
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    return {"sessionid": request.session.session_key, "csrftoken": token}


def _admin_pages(committee, cookies, representative) -> tuple[list[dict], list[str]]:
    """Each admin list the committee can see, a change form of each, action confirmations."""
    from django.contrib import admin
    from django.contrib.admin.utils import quote
    from django.test import RequestFactory
    from django.urls import reverse

    request = RequestFactory().get("/admin/")
    request.user = committee
    pages, skipped = [{"name": "admin index", "path": "/admin/"}], []
    for model, model_admin in sorted(
        admin.site._registry.items(), key=lambda item: item[0]._meta.label
    ):
        opts = model._meta
        label = f"admin {opts.app_label}.{opts.model_name}"
        if not model_admin.has_view_permission(request):
            skipped.append(f"{label} (the committee cannot see it)")
            continue
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        pages.append({"name": f"{label} list", "path": reverse(f"{prefix}_changelist")})
        row = representative(model)
        if row is None:
            skipped.append(f"{label} change form and actions (no rows)")
            continue
        pages.append(
            {
                "name": f"{label} change",
                "path": reverse(f"{prefix}_change", args=[quote(row.pk)]),
            }
        )
        actions = model_admin.get_actions(request)
        confirming = [
            name for name in ("delete_selected", "end_selected", "erase_selected")
            if name in actions
        ]  # fmt: skip
        for action in confirming:
            pages.append(
                {
                    "name": f"{label} {action.replace('_selected', '')}?",
                    "path": reverse(f"{prefix}_changelist"),
                    "method": "POST",
                    "data": {"action": action, "_selected_action": [str(row.pk)], "index": "0"},
                }
            )
    for page in pages:
        page.setdefault("method", "GET")
        page.setdefault("data", None)
        page["cookies"] = cookies
    return pages, skipped


class PageTooSlowError(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    """Stop a request in this process after ``seconds`` (gunicorn's workers have theirs)."""

    def expired(signum, frame):
        raise PageTooSlowError

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _count_and_time(page: dict, connection, client_class) -> None:
    """Queries of one request, its status, and the median time of a few in a row.

    The first request fills per-process caches (templates, content types), so it is
    counted again unless it was slow; a request still running after PAGE_LIMIT_SECONDS is
    stopped, with the queries it had made so far.
    """
    client = client_class(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = page["cookies"]["sessionid"]
    send = client.post if page["method"] == "POST" else client.get

    def once():
        counter, started = QueryCounter(), time.perf_counter()
        try:
            with time_limit(PAGE_LIMIT_SECONDS), connection.execute_wrapper(counter):
                response = send(page["path"], page["data"] or {})
        except PageTooSlowError:
            connection.close()
            return None, counter.count, None
        page["location"] = response.get("Location") if response.status_code in (301, 302) else None
        return response.status_code, counter.count, (time.perf_counter() - started) * 1000

    status, queries, first = once()
    page.update(status=status, queries=queries, queries_at_least=status is None, alone=None)
    if status is None:
        page["note"] = f"stopped after {PAGE_LIMIT_SECONDS} s in-process"
        return
    if first > ALONE_SECONDS * 1000:
        page["alone"] = first
        return
    status, page["queries"], elapsed = once()
    timings, spent = [elapsed], time.perf_counter()
    while len(timings) < ALONE_REPEATS and time.perf_counter() - spent < ALONE_SECONDS:
        timings.append(once()[2])
    page["alone"] = statistics.median(timings)
    page["wide_reads"] = _wide_reads(lambda: send(page["path"], page["data"] or {}), connection)


def widest_reads(plan: dict) -> dict[str, int]:
    """Rows each table's scans read in an EXPLAIN (ANALYZE, FORMAT JSON) plan: the rows
    they returned and those their filters removed, times their loops."""
    read: dict[str, int] = {}
    nodes = [plan]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        table = node.get("Relation Name")
        if table:
            rows = (
                node.get("Actual Rows", 0)
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            ) * node.get("Actual Loops", 1)
            read[table] = read.get(table, 0) + int(rows)
    return read


def _wide_reads(request, connection) -> list[dict]:
    """The page's queries that read more than WIDE_READ_ROWS rows of one table, from one
    more request's SELECTs run again under EXPLAIN ANALYZE."""
    seen = []

    def record(execute, sql, params, many, context):
        if sql.lstrip("( ").upper().startswith(("SELECT", "WITH")):
            seen.append((sql, params))
        return execute(sql, params, many, context)

    with time_limit(PAGE_LIMIT_SECONDS), connection.execute_wrapper(record):
        request()
    wide = []
    with connection.cursor() as cursor:
        for sql, params in seen:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            (plan,) = cursor.fetchone()[0]
            for table, rows in widest_reads(plan["Plan"]).items():
                if rows > WIDE_READ_ROWS:
                    wide.append({"table": table, "rows": rows, "sql": " ".join(sql.split())[:150],
                                 "ms": plan["Execution Time"]})  # fmt: skip
    return wide


class QueryCounter:
    """Counts every statement (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def prepare(out: Path) -> None:
    """Sign the three people in, list the pages, count each page's queries (JSON to out)."""
    import django

    django.setup()
    # A page stopped by the time limit is reported in the table, not as a traceback.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import connection
    from django.test import Client

    from matching.models import Match
    from mentorship.demo import COMMITTEE_EMAIL, DEMO_COHORT_SLUG
    from mentorship.management.organisation import COHORT_SLUG, EMAIL_DOMAIN
    from mentorship.models import Cohort, User
    from surveys.models import Survey
    from toolkit.models import Topic

    cohort = Cohort.objects.get(slug=COHORT_SLUG)
    match = (
        Match.objects.select_related("apm__user", "mentor__user", "proposal")
        .filter(cohort=cohort, apm__user__email=f"apm-00001@{EMAIL_DOMAIN}")
        .get()
    )
    apm, mentor = match.apm.user, match.mentor.user
    committee = User.objects.get(email=COMMITTEE_EMAIL)
    totp = Authenticator.objects.filter(user=committee, type=Authenticator.Type.TOTP).first()
    totp = totp or TOTP.activate(committee, generate_totp_secret()).instance
    closed = Survey.objects.get(cohort=cohort, status=Survey.Status.CLOSED)
    opened = Survey.objects.get(cohort=cohort, status=Survey.Status.OPEN)
    topic = Topic.objects.filter(is_published=True, title__icontains="contract").first()
    topic = topic or Topic.objects.filter(is_published=True).order_by("pk").first()
    cookies = {"apm": _sign_in(apm), "mentor": _sign_in(mentor),
               "committee": _sign_in(committee, totp=totp)}  # fmt: skip

    roster_import = f"/admin/mentorship/cohort/{cohort.pk}/import-roster/"
    pages = [
        ("apm", "home (APM)", "/"),
        ("mentor", "home (mentor)", "/"),
        ("committee", "home (committee)", "/"),
        ("apm", "intake", f"/intake/{DEMO_COHORT_SLUG}/apm/"),
        ("apm", "toolkit", "/toolkit/"),
        ("apm", "toolkit search", "/toolkit/?q=contract"),
        ("apm", "toolkit topic", f"/toolkit/{topic.slug}/"),
        ("apm", "meeting log", f"/matches/{match.pk}/meetings/"),
        ("apm", "log a meeting", f"/matches/{match.pk}/meetings/new/"),
        ("apm", "my surveys", "/surveys/"),
        ("apm", "answer a survey", f"/surveys/{opened.pk}/"),
        ("committee", "survey results", f"/surveys/{closed.pk}/results/"),
        ("committee", "cohort results", f"/surveys/cohorts/{cohort.pk}/results/"),
        ("committee", "outcomes", "/surveys/outcomes/"),
        ("committee", "journey", "/committee/journey/"),
        ("committee", "journey (organisation)", f"/committee/journey/?cohort={COHORT_SLUG}"),
        ("apm", "my data", "/account/data/"),
        ("apm", "my data download", "/account/data/download/"),
        ("apm", "notification settings", "/notifications/"),
        ("apm", "report a promotion", "/promotions/report/"),
        ("committee", "admin review desk", "/admin/matching/proposal/desk/"),
        ("committee", "admin roster import", roster_import),
        ("committee", "admin eligible population import", "/admin/surveys/eligibleperson/import/"),
    ]  # fmt: skip
    pages = [
        {"name": name, "path": path, "method": "GET", "data": None, "cookies": cookies[who]}
        for who, name, path in pages
    ]
    # The row a change form and an action show: the benchmark's own people where a model
    # is about them, else the newest row (the organisation's, seeded after the demo).
    chosen = {
        "mentorship.user": apm, "mentorship.profile": apm.profile,
        "mentorship.enrollment": match.apm, "mentorship.cohort": cohort,
        "matching.match": match, "matching.proposal": match.proposal,
        "matching.matchingrun": match.proposal.run, "surveys.survey": closed,
        "mfa.authenticator": totp,
    }  # fmt: skip

    def representative(model):
        if model._meta.label_lower in chosen:
            return chosen[model._meta.label_lower]
        return model._default_manager.order_by("-pk").first()

    admin_pages, skipped = _admin_pages(committee, cookies["committee"], representative)
    pages += admin_pages

    for page in pages:
        _count_and_time(page, connection, Client)
        alone = "—" if page["alone"] is None else f"{page['alone']:.0f} ms"
        print(f"  counted {page['name']}: {page['queries']} queries, {alone}",
              file=sys.stderr, flush=True)  # fmt: skip
    out.write_text(json.dumps({"pages": pages, "skipped": skipped}))


def prepared(env: dict, folder: Path, size: str) -> dict:
    out = folder / f"pages-{size}.json"
    subprocess.run(  # noqa: S603 - our own arguments
        [PYTHON, __file__, "--prepare", str(out)], cwd=ROOT, env=env, check=True
    )
    return json.loads(out.read_text())


# --- Loading and the table ---------------------------------------------------------------


def load_pages(server: Gunicorn, pages: list[dict], *, seconds: float, rate: int) -> dict:
    runner = subprocess.Popen(  # noqa: S603 - our own arguments
        [PYTHON, str(ROOT / "benchmarks" / "pages_load.py"), server.base], cwd=ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    results = {}
    try:
        for page in pages:
            server.settle()
            runner.stdin.write(json.dumps({**page, "seconds": seconds, "rate": rate}) + "\n")
            runner.stdin.flush()
            figures = json.loads(runner.stdout.readline())
            figures["load"] = os.getloadavg()[0]  # the machine is shared: say how busy
            results[page["name"]] = figures
            print(f"  {page['name']:<44} {row_cells(figures, page)}", flush=True)
    finally:
        runner.stdin.close()
        runner.wait(timeout=30)
    return results


def _ms(value) -> str:
    return "—" if value is None else f"{value:.0f}"


def row_cells(figures: dict | None, page: dict | None) -> str:
    if figures is None or page is None:
        return f"{'':>6} {'':>6} {'':>6} {'':>6} {'':>6} {'':>7} {'':>6}"
    queries = f"{'>' if page['queries_at_least'] else ''}{page['queries']}"
    alone = f">{PAGE_LIMIT_SECONDS * 1000}" if page["status"] is None else _ms(page["alone"])
    return (
        f"{figures['rps']:>6.1f} {_ms(figures['median']):>6} {_ms(figures['p95']):>6} "
        f"{_ms(figures['p99']):>6} {figures['errors']:>6} {queries:>7} {alone:>6}"
    )


def answered(page: dict) -> bool:
    """The page answered as it should: 200, or a redirect that is the page's answer (a
    refused deletion goes back to the list with its reason), not to a sign-in page."""
    if page["status"] == 200:
        return True
    location = page.get("location") or ""
    return page["status"] == 302 and bool(location) and "login" not in location


def misses(full: dict, full_page: dict, demo_page: dict | None) -> str:
    missed = []
    if full["median"] is None or full["median"] >= GOAL["median"]:
        missed.append("median")
    if full["p95"] is None or full["p95"] >= GOAL["p95"]:
        missed.append("p95")
    if full["errors"] or not answered(full_page):
        missed.append("errors")
    if not full["requests"]:
        missed.append("no answer")
    if demo_page is not None and full_page["queries"] != demo_page["queries"]:
        missed.append(f"queries +{full_page['queries'] - demo_page['queries']}")
    return ", ".join(missed) or "meets"


def table(results: dict, pages: dict, sizes: list[str], rate: int, seconds: float,
          loads: dict) -> str:  # fmt: skip
    head = (
        f"{'req/s':>6} {'median':>6} {'p95':>6} {'p99':>6} {'errors':>6} {'queries':>7} "
        f"{'alone':>6}"
    )
    names = list(dict.fromkeys(name for size in sizes for name in pages[size]))
    width = max(len(name) for name in names)
    lines = [
        f"{rate} requests/s for {seconds:g} s a page; times in ms; queries: one request, "
        "counted in-process; alone: the median of one request at a time, in-process",
        "Load average (1 min) while loading: "
        + ", ".join(f"{size} size {low:.1f} to {high:.1f}" for size, (low, high) in loads.items())
        + f" on {os.cpu_count()} CPUs",
        f"{'':<{width}}  " + "  ".join(f"{size + ' size':<{len(head)}}" for size in sizes),
        f"{'page':<{width}}  " + "  ".join(head for _ in sizes) + ("  goal" if "full" in sizes
                                                                   else ""),
    ]  # fmt: skip
    for name in names:
        cells = [row_cells(results[size].get(name), pages[size].get(name)) for size in sizes]
        line = f"{name:<{width}}  " + "  ".join(cells)
        if "full" in sizes and name in results["full"]:
            demo = pages.get("demo", {}).get(name)
            line += "  " + misses(results["full"][name], pages["full"][name], demo)
        lines.append(line)
    for size in sizes:
        wide = [(name, read) for name, page in pages[size].items()
                for read in page.get("wide_reads") or []]  # fmt: skip
        if wide:
            lines.append(
                f"{size} size, queries reading over {WIDE_READ_ROWS:,} rows of one table "
                "(EXPLAIN ANALYZE: rows read, execution time, the query's start):"
            )
            lines += [
                f"  {name}: {read['table']} {read['rows']:,} rows, {read['ms']:.1f} ms: "
                + read["sql"]
                for name, read in wide
            ]
    for size in sizes:
        for name, page in pages[size].items():
            figures = results[size].get(name, {})
            first_error = figures.get("first_error")
            if figures and not figures["requests"]:
                first_error = (
                    f"no request answered within {seconds:g} s, "
                    f"{figures['unanswered']} still waiting"
                )
            if page["status"] != 200 or first_error:
                alone = page.get("note") or f"answered HTTP {page['status']} in-process"
                if page.get("location"):
                    kind = "a refusal" if answered(page) else "an error"
                    alone += f" (to {page['location']}, {kind})"
                lines.append(
                    f"{size} size, {name}: {alone}"
                    + (f"; under load: {first_error}" if first_error else "")
                )
    return "\n".join(lines)


def _interrupted(signum, frame):
    # SIGTERM ends the run like Ctrl-C does: through main's finally, which cleans up.
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="", help="only pages whose name contains one of "
                        "these words (comma-separated), e.g. journey,admin matching")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=10.0, help="load per page")
    parser.add_argument("--rate", type=int, default=50, help="requests per second")
    parser.add_argument("--sizes", default="full,demo", help="full, demo or both")
    parser.add_argument("--reuse", action="store_true", help="restore today's seeded dumps")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.prepare:
        prepare(options.prepare)
        return
    sizes = [size for size in options.sizes.split(",") if size]
    if not set(sizes) <= SIZES.keys():
        parser.error(f"--sizes takes {', '.join(SIZES)}")
    if not free(options.port):
        parser.error(f"port {options.port} is taken; pick another with --port")
    wanted = [word.strip().lower() for word in options.pages.split(",") if word.strip()]

    signal.signal(signal.SIGTERM, _interrupted)
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    postgres, server = Postgres(options.postgres), None
    results, pages, loads, finished = {}, {}, {}, False
    try:
        static_env = environment(f"{options.postgres}/postgres", folder)
        manage(static_env, "collectstatic", "--noinput", "-v0", log=folder / "collectstatic.log")
        for size in sizes:
            print(f"{size} size: preparing the database", flush=True)
            _, env, how = database_ready(postgres, size, folder, reuse=options.reuse)
            print(f"  {how}", flush=True)
            found = prepared(env, folder, size)
            for note in found["skipped"]:
                print(f"  skipped: {note}")
            chosen = [
                page for page in found["pages"]
                if not wanted or any(word in page["name"].lower() for word in wanted)
            ]  # fmt: skip
            pages[size] = {page["name"]: page for page in chosen}
            server = Gunicorn(env, options.port, folder)
            server.start()
            print(f"  gunicorn on {server.base}, {len(chosen)} pages", flush=True)
            results[size] = load_pages(server, chosen, seconds=options.seconds, rate=options.rate)
            samples = [figures["load"] for figures in results[size].values()]
            loads[size] = (min(samples), max(samples))
            server.stop()
            server = None
            postgres.drop_all()
        print()
        print(table(results, pages, sizes, options.rate, options.seconds, loads))
        if options.json:
            for size_pages in pages.values():
                for page in size_pages.values():
                    page.pop("cookies", None)
            options.json.write_text(json.dumps({"results": results, "pages": pages}, indent=1))
        finished = True
    except KeyboardInterrupt:
        print("Interrupted; cleaning up.", file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
        postgres.drop_all()
        if finished:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"Logs kept in {folder}", file=sys.stderr)


if __name__ == "__main__":
    main()
