"""Error mail to ADMINS: one mail per distinct error per window, sent off the request.

Django's own handler mails every failing request, synchronously, from the request's
thread. When the database went away, 497 mails went out in about a minute, each request
waiting on SMTP before it could answer. Here:

* **Distinct error** means the same exception type raised at the same line (the
  innermost frame of the traceback), or, for an error logged without an exception, the
  same logger, level and message template. A database outage fails every page at the
  same line, so it is one error, whatever the pages.
* **One per window** (``ERROR_MAIL_WINDOW_SECONDS``, default five minutes): the first
  occurrence is mailed; the others in the window are counted, and the next mail for
  that error says how many were not mailed.
* **Never blocking**: the report is rendered in the request (it needs the request and
  the traceback, and happens at most once a window), then handed to one background
  thread per process through a bounded queue. A full queue drops the mail rather than
  wait. The thread sends through Django's mail backend with ``fail_silently``, so a hung
  or refusing mail server costs that thread, never a page.

The limit is per process: with three web processes an error is mailed at most three
times a window. It is kept in memory on purpose: the shared stores (database, Redis)
are among the things whose failures are reported here.

Error mail goes straight to the mail server, not through the outbox, because the
outbox lives in the database this mail may be reporting as down. Sensitive POST
parameters (answers, notes, passwords) are already cleansed by Django's reporter for
views marked with ``sensitive_post_parameters``.
"""

import logging
import os
import queue
import threading
import time
import traceback

from django.conf import settings
from django.core import mail
from django.utils.log import AdminEmailHandler

DEFAULT_WINDOW_SECONDS = 300
QUEUE_SIZE = 50
REMEMBERED_ERRORS = 1000

logger = logging.getLogger(__name__)


def error_key(record: logging.LogRecord) -> tuple:
    """What makes two log records the same error."""
    if record.exc_info and record.exc_info[1] is not None:
        kind, _, tb = record.exc_info
        frames = traceback.extract_tb(tb) if tb is not None else []
        where = (frames[-1].filename, frames[-1].lineno) if frames else ("", 0)
        return (f"{kind.__module__}.{kind.__qualname__}", *where)
    return (record.name, record.levelno, str(record.msg))


class ErrorThrottle:
    """Remembers when each error was last mailed and how often it recurred since."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._last_sent: dict[tuple, float] = {}
        self._skipped: dict[tuple, int] = {}

    def admit(self, key: tuple, window: float) -> int | None:
        """None when this occurrence is not mailed; else how many were skipped before it."""
        now = self._clock()
        with self._lock:
            last = self._last_sent.get(key)
            if last is not None and now - last < window:
                self._skipped[key] = self._skipped.get(key, 0) + 1
                return None
            if len(self._last_sent) >= REMEMBERED_ERRORS:
                self._forget_before(now - window)
            self._last_sent[key] = now
            return self._skipped.pop(key, 0)

    def _forget_before(self, moment: float) -> None:
        for key in [k for k, sent in self._last_sent.items() if sent < moment]:
            del self._last_sent[key]
        while len(self._last_sent) >= REMEMBERED_ERRORS:  # all recent: drop the oldest
            oldest = min(self._last_sent, key=self._last_sent.get)
            del self._last_sent[oldest]


class MailSender:
    """One daemon thread per process that sends what it is handed, in order."""

    def __init__(self, size: int = QUEUE_SIZE):
        self._queue: queue.Queue = queue.Queue(maxsize=size)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self.dropped = 0

    def submit(self, send, *args, **kwargs) -> bool:
        self._ensure_thread()
        try:
            self._queue.put_nowait((send, args, kwargs))
        except queue.Full:
            self.dropped += 1
            return False
        return True

    def wait(self, timeout: float = 5.0) -> bool:
        """Until everything handed over has been sent (tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _ensure_thread(self) -> None:
        # A process forked by gunicorn after the first mail has no thread: start one.
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            if self._pid != os.getpid():
                self._queue = queue.Queue(maxsize=self._queue.maxsize)
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="error-mail", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        work = self._queue
        while True:
            send, args, kwargs = work.get()
            try:
                send(*args, **kwargs)
            except Exception:
                logger.warning("An error report could not be mailed.", exc_info=True)
            finally:
                work.task_done()


throttle = ErrorThrottle()
sender = MailSender()


def _mail_admins(subject, message, html_message=None):
    mail.mail_admins(subject, message, fail_silently=True, html_message=html_message)


class ThrottledAdminEmailHandler(AdminEmailHandler):
    """Django's error mail, at most once per distinct error per window, sent in the background."""

    _current = threading.local()  # the skipped count, from emit() to send_mail()

    def emit(self, record):
        if not settings.ADMINS:
            return  # nobody to tell: do not render the report at all
        window = getattr(settings, "ERROR_MAIL_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)
        skipped = throttle.admit(error_key(record), window)
        if skipped is None:
            return
        self._current.skipped = skipped
        try:
            super().emit(record)
        finally:
            self._current.skipped = 0

    def send_mail(self, subject, message, *args, **kwargs):
        skipped = getattr(self._current, "skipped", 0)
        if skipped:
            note = (
                f"This error happened {skipped} more time{'s' if skipped != 1 else ''} "
                "since the last mail about it; those were not mailed.\n\n"
            )
            message = note + message
            subject = f"{subject} (+{skipped} not mailed)"
        sender.submit(_mail_admins, subject, message, kwargs.get("html_message"))
