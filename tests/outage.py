"""Real processes for the database outage tests and benchmark.

A PostgreSQL of our own (initdb in a temporary folder, on a port of our own) that a test
may stop, start and freeze without touching the machine's shared server; a web server
process (gunicorn) and a Celery worker process pointed at a database; and plain HTTP
to 127.0.0.1. Nothing here imports pytest: the worker imports the mail backend below.
"""

import glob
import http.client
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend

ROOT = Path(__file__).resolve().parents[1]


class HoldingFileBackend(EmailBackend):
    """Writes mail to files, taking a second per message: the worker's database
    connection stays open meanwhile, so a test can kill it in the middle of a task."""

    def send_messages(self, email_messages):
        time.sleep(1.0)
        return super().send_messages(email_messages)


# --- A PostgreSQL of our own -------------------------------------------------------------


def postgres_binary(name: str) -> str | None:
    """initdb, pg_ctl: on PATH, or where Debian keeps them."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def own_postgres_unavailable() -> str | None:
    """Why a throwaway PostgreSQL cannot be started here, or None if it can."""
    missing = [name for name in ("initdb", "pg_ctl") if postgres_binary(name) is None]
    if missing:
        return f"{' and '.join(missing)} not found (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run initdb as"
    return None


class OwnPostgres:
    """A throwaway cluster: trust authentication, listening on 127.0.0.1:port only.

    PostgreSQL refuses to run as root, so as root the server runs as the postgres user.
    """

    def __init__(self, port: int):
        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix=f"own-postgres-{port}-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.run_as = "postgres" if os.geteuid() == 0 else None
        if self.run_as:
            shutil.chown(self.folder, user=self.run_as)

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            args, user=self.run_as, cwd=self.folder, capture_output=True, text=True,
            check=True, timeout=timeout,
        )  # fmt: skip

    def init(self) -> "OwnPostgres":
        self._run(postgres_binary("initdb"), "--pgdata", str(self.data), "--username",
                  "postgres", "--auth", "trust", "--encoding", "UTF8", "--no-sync")  # fmt: skip
        return self

    def start(self) -> None:
        # The socket goes into our folder, never into the shared server's directory.
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off")  # fmt: skip
        self._run(postgres_binary("pg_ctl"), "--pgdata", str(self.data), "--log",
                  str(self.log), "--options", options, "--wait", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        # fast: every session is ended, the way a crash or a restart ends them.
        self._run(postgres_binary("pg_ctl"), "--pgdata", str(self.data), "--mode", mode,
                  "--wait", "stop")  # fmt: skip

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def freeze(self) -> None:
        """The server hangs: it no longer accepts connections but the port stays open."""
        os.kill(self.postmaster_pid(), signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.postmaster_pid(), signal.SIGCONT)

    def is_ready(self) -> bool:
        result = subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            check=False, timeout=10,
        )  # fmt: skip
        return result.returncode == 0

    def psql(self, database: str, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
             str(self.port), "-U", "postgres", "-d", database, *args],
            input=stdin, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return result.stdout

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.thaw()
                self.stop(mode="immediate")
            except (OSError, subprocess.SubprocessError):
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def copy_schema(*, from_url: str, to: OwnPostgres, database: str) -> None:
    """Give our own server the tables of an already migrated database (seconds, where
    running every migration again takes a minute on a busy machine)."""
    to.psql("postgres", "-c", f'CREATE DATABASE "{database}"')
    schema = subprocess.run(
        ["pg_dump", "--schema-only", "--no-owner", "--no-privileges", from_url],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    to.psql(database, stdin=schema)


def postgres_url(settings_dict: dict) -> str:
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    user = settings_dict["USER"] or "postgres"
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


# --- Processes of the application ---------------------------------------------------------


def app_env(database_url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"CONN_MAX_AGE", "DEBUG"}}
    return {**env, "DATABASE_URL": database_url, **extra}


def start_web(*, port: int, database_url: str, log: Path, **extra: str) -> subprocess.Popen:
    """gunicorn, one sync worker, as in production but with the test settings (plain HTTP,
    static files from the finders, tasks run inline)."""
    env = app_env(database_url, DJANGO_SETTINGS_MODULE="mentorship.test_settings", **extra)
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "mentorship.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "30", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop master and worker
        )  # fmt: skip


def start_worker(*, queue: str, database_url: str, broker_url: str, run_dir: Path,
                 mail_dir: Path, log: Path) -> subprocess.Popen:  # fmt: skip
    """A Celery worker (prefork, one child) with the production settings."""
    env = app_env(
        database_url, DJANGO_SETTINGS_MODULE="mentorship.settings", DEBUG="1",
        CELERY_BROKER_URL=broker_url, RUN_DIR=str(run_dir),
        EMAIL_BACKEND="tests.outage.HoldingFileBackend", EMAIL_FILE_PATH=str(mail_dir),
    )  # fmt: skip
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mentorship", "worker", "--queues", queue,
             "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def filesystem_broker(folder: Path) -> tuple[str, dict]:
    for name in ("queue", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    options = {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
               "control_folder": str(folder / "control")}  # fmt: skip
    return "filesystem://", options


# --- Talking to the web process -----------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: str
    seconds: float
    headers: dict


def get(port: int, path: str, *, cookie: str = "", timeout: float = 30) -> Answer:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()
    return Answer(response.status, body, time.monotonic() - started, dict(response.getheaders()))


def worker_pids(process: subprocess.Popen) -> set[int]:
    """The processes a server or worker forked (gunicorn workers, Celery pool children)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return {int(pid) for pid in children.read_text().split()}


def wait_until_serving(port: int, process: subprocess.Popen, log: Path, timeout=90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-3000:]}")
        try:
            get(port, "/healthz", timeout=5)
        except OSError:
            time.sleep(0.2)
            continue
        return
    raise RuntimeError(f"the server did not answer in {timeout}s:\n{log.read_text()[-3000:]}")


def wait_for(condition, timeout: float = 60, interval: float = 0.05) -> float | None:
    """Seconds until condition() was true, or None if it never was within timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(interval)
    return None


TERMINATE_OTHER_SESSIONS = """
    SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
"""
OTHER_SESSIONS = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
"""
