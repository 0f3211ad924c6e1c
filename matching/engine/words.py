"""Why two people were matched, in words for the two of them (no points).

The committee reads each part of a score with its points ("Shared interests:
Accessibility (+20)"); the APM and the mentor read one sentence about each other:
"You both care about accessibility and product frameworks; you work in different
business units; you're an hour apart." The same parts count, in the same order (the
largest first), so the words never claim what the score did not use.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from matching.engine.records import UNDECIDED, ApmRecord, MentorRecord, Weights
from matching.engine.scoring import (
    TRACK_LABEL,
    category_label,
    pair_units,
    tz_distance,
    weight_units,
)

APM, MENTOR = "apm", "mentor"


def _lower(label: str) -> str:
    """ "Product frameworks" reads "product frameworks" mid-sentence; "UX research" and
    "AI" keep their capitals."""
    if len(label) > 1 and label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _apart(minutes: int) -> str:
    if minutes == 0:
        return "you're in the same time zone"
    if minutes == 60:
        return "you're an hour apart"
    if minutes < 60:
        return f"you're {minutes} minutes apart"
    return f"you're {minutes / 60:g} hours apart"


def _phrase(name: str, apm: ApmRecord, mentor: MentorRecord, viewer: str, names) -> str:
    if name == "shared_interests":
        labels = sorted(
            (_lower(category_label(c, names)) for c in apm.interests & mentor.topics),
            key=lambda label: (label.casefold(), label),
        )
        return f"you both care about {_and(labels)}"
    if name == "other_unit":
        return "you work in different business units"
    if name == "career_track":
        track = TRACK_LABEL[mentor.career_track]
        if apm.career_track != UNDECIDED:
            return f"you're both on the {track}"
        if viewer == MENTOR:
            return f"you can speak to the {track}, which they are weighing up"
        return f"your mentor can speak to the {track}"
    if name == "time_zone":
        return _apart(tz_distance(apm.utc_offset_minutes, mentor.utc_offset_minutes))
    known = sorted(apm.agencies & mentor.agencies) + sorted(apm.domains & mentor.domains)
    return f"you both know {_and(known)}"


def pair_words(
    apm: ApmRecord,
    mentor: MentorRecord,
    *,
    viewer: str = APM,
    category_names: Mapping[int, str] | None = None,
    weights: Weights = Weights(),  # noqa: B008 - frozen, so a shared default is safe
    leave_out: Collection[str] = (),
) -> str:
    """One sentence for ``viewer`` ("apm" or "mentor"), or "" when nothing scored.

    ``leave_out`` names parts not to mention (what the APM chose not to share with the
    mentor: their interests, their career track).
    """
    units = pair_units(apm, mentor, weight_units(weights))
    scored = sorted(
        (-value, n)
        for n, (name, value) in enumerate(units.items())
        if value > 0 and name not in leave_out
    )
    order = list(units)
    phrases = [_phrase(order[n], apm, mentor, viewer, category_names) for _, n in scored]
    if not phrases:
        return ""
    sentence = "; ".join(phrases)
    return sentence[:1].upper() + sentence[1:] + "."
