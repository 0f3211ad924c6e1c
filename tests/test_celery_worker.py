"""A real Celery worker, in its own process, takes a task from the broker and runs it.

Under CI the broker is the machine's Redis (REDIS_URL); on a laptop without Redis the
same test runs over the filesystem transport that `make run` uses.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.integration


def broker_config(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return {"CELERY_BROKER_URL": redis_url, "CELERY_RESULT_BACKEND": redis_url}, {}
    (tmp_path / "results").mkdir()
    queue_dir = tmp_path / "broker" / "queue"
    queue_dir.mkdir(parents=True)
    control_dir = tmp_path / "broker" / "control"
    control_dir.mkdir()
    options = {
        "data_folder_in": str(queue_dir),
        "data_folder_out": str(queue_dir),
        "control_folder": str(control_dir),
    }
    env = {
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_RESULT_BACKEND": f"file://{tmp_path / 'results'}",
        "RUN_DIR": str(tmp_path),
    }
    return env, options


def test_a_worker_process_runs_a_task_sent_through_the_broker(tmp_path):
    env, transport_options = broker_config(tmp_path)
    queue = f"test-{uuid.uuid4().hex}"  # never picked up by another worker on this broker
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "mentorship", "worker",
            "--queues", queue, "--pool", "solo", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            **env,
            "DJANGO_SETTINGS_MODULE": "mentorship.settings",
            "DEBUG": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    client = Celery(
        broker=env["CELERY_BROKER_URL"],
        backend=env["CELERY_RESULT_BACKEND"],
        broker_transport_options=transport_options,
    )
    try:
        result = client.send_task(
            "mentorship.tasks.ping", args=["hello from the test"], queue=queue
        )
        # disable_sync_subtasks: an eager task run earlier in this process may have left
        # Celery believing it is inside a worker; this is the test process, not a task.
        assert result.get(timeout=60, disable_sync_subtasks=False) == "hello from the test"
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
        client.close()
    assert "mentorship.tasks.ping" in output
    assert "succeeded" in output
