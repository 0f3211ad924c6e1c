"""The two daily reminder scans, run together as the beat runs them each morning."""

from matching.reminders import no_meeting_nudges_queue
from mentorship.outbox.reminders import intake_nudges_queue


def daily_scan() -> dict[str, int]:
    return {"intake": intake_nudges_queue(), "no_meeting": no_meeting_nudges_queue()}
