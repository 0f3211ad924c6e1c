"""The local mailbox: every email a local run sends, readable at /dev/mail/.

With DEBUG on and no EMAIL_URL, the worker's mail goes to ``MailboxBackend``: one
``.eml`` file per message in EMAIL_FILE_PATH (the web process and the worker share the
folder), the newest ``KEEP`` kept. ``/dev/mail/`` lists them with their links, so a
person trying the demo can follow a confirmation link or an introduction without
reading the worker's log. Nothing here is reachable with DEBUG off.
"""

import re
import uuid
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

KEEP = 200
SHOWN = 50
LINK = re.compile(r"https?://[^\s<>\"')]+")
NAME = re.compile(r"^[0-9]{20}-[0-9a-f]{32}\.eml$")


def mailbox_folder() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = mailbox_folder()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            # Named by the time it was sent, so the names sort newest last.
            name = f"{timezone.now().strftime('%Y%m%d%H%M%S%f')}-{uuid.uuid4().hex}.eml"
            temporary = folder / (name + ".part")
            temporary.write_bytes(message.message().as_bytes())
            temporary.rename(folder / name)  # readers never see half a message
        for old in sorted(folder.glob("*.eml"))[:-KEEP]:
            old.unlink(missing_ok=True)
        return len(email_messages)


def _read(path: Path) -> dict | None:
    try:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    except OSError:
        return None  # pruned while we looked
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    try:
        sent = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        sent = None
    return {
        "name": path.name,
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or "(no subject)"),
        "sent": sent,
        "text": text,
        "links": list(dict.fromkeys(LINK.findall(text))),
        "attachments": [part.get_filename() or "attached" for part in message.iter_attachments()],
    }


def mailbox_messages(limit: int = SHOWN) -> list[dict]:
    """The newest messages first."""
    folder = mailbox_folder()
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [message for message in map(_read, paths) if message is not None]


def mailbox_message(name: str) -> dict | None:
    if not NAME.match(name):
        return None  # never a path: only a name this backend wrote
    path = mailbox_folder() / name
    return _read(path) if path.is_file() else None
