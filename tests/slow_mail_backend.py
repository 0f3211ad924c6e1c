"""A file email backend that takes its time and can stop at a point of a send on request.

Used by worker processes that tests start (tests/test_outbox_reliability.py). With
OUTBOX_TEST_PAUSE_DIR set, a file named ``before-send`` or ``after-send`` in that folder
makes the next send stop there: before the message is written (the server has not got
it) or after (the server has it, the row is not marked sent yet). The backend then
writes ``paused`` with the message's notification id and waits to be killed.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend

PAUSE_LIMIT_SECONDS = 120  # a test that forgets to kill the worker does not hang CI


def _pause_if_asked(point: str, email_messages) -> None:
    folder = os.environ.get("OUTBOX_TEST_PAUSE_DIR")
    if not folder or not (Path(folder) / point).exists():
        return
    ids = ",".join(m.extra_headers.get("X-Notification-ID", "") for m in email_messages)
    (Path(folder) / "paused").write_text(f"{point} {ids}")
    deadline = time.monotonic() + PAUSE_LIMIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(0.2)
        _pause_if_asked("before-send", email_messages)
        sent = super().send_messages(email_messages)
        _pause_if_asked("after-send", email_messages)
        return sent
