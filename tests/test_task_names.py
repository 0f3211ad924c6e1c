"""Every task the code queues by name is registered in a web process, not only a worker.

Services queue tasks by name (mentorship.common.background) and a task the web process
does not know is never sent: the journey's rebuild was missing this way. A fresh process
set up as the web is, since the test process has imported every module already.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r'^[A-Z_]*TASK = "([\w.]+)"', re.MULTILINE)


def test_each_queued_task_is_known_to_the_web_process():
    queued = {
        name
        for folder in ("mentorship", "matching", "surveys", "toolkit")
        for path in (ROOT / folder).rglob("*.py")
        for name in NAME.findall(path.read_text())
    }
    assert "mentorship.journey.tasks.journey_snapshot_refresh" in queued
    script = (
        "import django; django.setup()\n"
        "from celery import current_app\n"
        "print('\\n'.join(current_app.tasks))\n"
    )
    known = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "mentorship.settings",
             "DEBUG": "1"},
    ).stdout.split()  # fmt: skip
    assert sorted(queued - set(known)) == []
