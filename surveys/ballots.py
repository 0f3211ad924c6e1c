"""Anonymous answers at the storage level: sealed ballots, mixed into responses in batches.

The threat
    Someone holds a copy of the database (a backup, a replica, the WAL archive, a dump)
    but not the application's ``SECRET_KEY``. They see every row, dead row versions and
    the log of every change, each change with its transaction id (``xmin``/``xmax``),
    its commit order and the time it committed. They must not be able to say whose an
    anonymous response is, beyond what the response shows by itself (a role, perhaps a
    business unit, whether the promotion question was asked), and every group of
    responses alike in those respects that the database can single out must be at least
    the privacy threshold (``SURVEY_PRIVACY_THRESHOLD``, *t* below), unless fewer such
    people answered at all. That is what the results pages promise a reader; the
    storage must not promise less. Each person still answers once, and no answer is lost.

What links rows in a database, and the answer to each
    1. The transaction. Whatever one transaction writes carries its id, in the row
       (``xmin``) and in every WAL record, and becomes visible at one commit. The
       transaction that records that Alice answered (her invitation's ``completed_on``)
       must therefore never write her answers where they can be read. It writes a
       *ballot*: her answers, encrypted. The claim and the ballot have to share a
       transaction, or a crash between the two would lose her answers or let her answer
       twice; the encryption makes that shared id worthless without the key.
    2. Commit order and time. WAL commit records carry a time, so the moment Alice
       answered is in the log whatever we do (the invitation keeps only the day: the
       rest would add nothing to what the WAL has). Her answers reach the readable
       tables later, in a batch written by another transaction, the *mixer*: the order
       and times of batches say only that these people answered before those.
    3. The batch. The mixer deletes the ballots it reads, so the log does show that
       Alice's ballot went into batch M. Hence batches: in M, every kind of response
       (role, stored business unit, questions asked: all the invitation tells) has at
       least *t* members, so M narrows Alice down to *t* responses, as the results do.
       While a survey is open a kind is mixed only once it has 2*t* ballots waiting, and
       then a random *t* of them are kept back: otherwise the last few answers of a kind,
       mixed when the survey closes, would form a batch of one or two and be theirs.
       (A kind with fewer than *t* people in the whole survey is one group whatever we
       do; the results hide it.) At close, sealing mixes what is left, in the same
       transaction that rewrites all the survey's responses in random order.
    4. Sequences: none. Responses, answers and ballots have random UUID4 keys.
    5. Timestamps: none on responses, answers or ballots; the Fernet token's own clock
       field is set to zero (``encrypt_at_time(..., 0)``), since it would otherwise
       record to the second when Alice answered, or saved her draft.
    6. Physical order (PostgreSQL's ``ctid``, SQLite's rowid): the mixer writes each
       batch's responses, then its answers, with one bulk insert each from a list
       shuffled with a system random source, so a batch's rows are stored in no
       person's order; sealing reshuffles the whole survey once it has closed.
    7. Size. An encrypted text is as long as the text, and a pending ballot is tied to
       its person: a long free-text answer would show in the ballot's length and then
       again in one response of the batch. Every ballot and draft of a survey is padded
       to one length, the longest its questions allow.
    8. Drafts. ``Invitation.draft`` keeps unfinished answers next to a name, and a copy
       of it could be matched by content against the response that follows. Drafts of
       anonymous surveys are encrypted and padded like ballots.

Submitting and closing cannot cross: ``response_submit`` holds a share lock on the
survey row from its "is it open?" check to its commit, and closing and sealing take
the row's exclusive lock, so no ballot commits after sealing has mixed the last ones.
Mixers take a lock that excludes each other (not submissions), so a mixer always sees
every ballot committed before it ran and never splits a batch with another mixer.

The key is ``SECRET_KEY`` (through HKDF with a purpose of its own), with each of
``SECRET_KEY_FALLBACKS`` accepted when reading, so rotating the key with the old one
kept as a fallback loses nothing. Lose the key and the ballots still waiting can't be
read: the mixer then leaves them in place and logs an error; they are mixed as soon as
the key is back. Whoever has both the key and a backup taken while ballots were
waiting can read those ballots: keep the key out of the database's backups.
"""

import base64
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from surveys.models import Answer, Question

# The key is derived for this purpose only: no other use of SECRET_KEY yields it.
PURPOSE = b"mentorship.surveys.ballots"
# Padding: whitespace, which JSON reads as nothing, up to the survey's longest payload.
PAD = b" "
# The longest a payload can be, per question: a character of text is at most four bytes
# of UTF-8 (forms refuse the control characters JSON would spell out as \uXXXX).
BYTES_PER_CHARACTER = 4
OVERHEAD = 256  # braces, keys, the role and a business unit id
PER_QUESTION = 64  # the question id twice (answers and "asked"), quotes, colons, commas
ROUND_TO = 1024


class UnreadableError(Exception):
    """A ballot or draft that none of the keys opens (lost key, or damaged data)."""


def _key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


@lru_cache(maxsize=4)
def _fernet(secret: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_key(key)) for key in (secret, *fallbacks)])


def fernet() -> MultiFernet:
    """Encrypts with SECRET_KEY; decrypts with it or any of SECRET_KEY_FALLBACKS."""
    return _fernet(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def padded_length(questions) -> int:
    """The length every payload of a survey is padded to: the longest one possible.

    ``questions`` are all the survey's questions (anything with ``kind`` and
    ``options``), so promoted APMs' ballots, with one more answer, are no longer.
    """
    text_limit = Answer._meta.get_field("text").max_length
    length = OVERHEAD
    for question in questions:
        length += PER_QUESTION
        options = [line.strip() for line in question.options.splitlines() if line.strip()]
        if question.kind == Question.Kind.TEXT:
            length += BYTES_PER_CHARACTER * text_limit
        elif question.kind in Question.CHOICE_KINDS:
            length += sum(BYTES_PER_CHARACTER * len(option) + 4 for option in options)
        else:
            length += 4
    return -(-length // ROUND_TO) * ROUND_TO


def encrypt(payload, *, length: int) -> str:
    """A Fernet token of the payload as JSON, padded to ``length`` bytes, with no time."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    # Longer only for text the forms refuse; round up rather than lose the answers.
    target = max(length, -(-len(data) // ROUND_TO) * ROUND_TO)
    return fernet().encrypt_at_time(data + PAD * (target - len(data)), 0).decode()


def decrypt(token: str):
    """The payload of a token from ``encrypt``; ``UnreadableError`` if no key opens it."""
    try:
        data = fernet().decrypt(token.encode())
    except (InvalidToken, ValueError, TypeError) as error:
        raise UnreadableError("no key in SECRET_KEY or SECRET_KEY_FALLBACKS opens it") from error
    return json.loads(data)
