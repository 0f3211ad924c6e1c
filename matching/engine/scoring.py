"""Score one APM-mentor pair, explain it, and list the hard rules it breaks.

Scores are computed exactly in whole thousandths of a point ("units"), each part
rounded down, so the solver can compare totals as integers and the vectorised scoring
in `cohort.py` gives the very same numbers. The parts, with the default weights:

- shared_interests (40): weight x shared / total, where total is the number of the
  APM's interests and shared the number of those the mentor can coach (0 when the
  APM listed none).
- other_unit (20): the full weight when both business units are known and differ and
  the APM prefers a mentor from another unit, else 0.
- career_track (15): the full weight when both are people managers or both individual
  contributors; half when the APM is undecided and the mentor is on either track;
  else 0.
- time_zone (15): the full weight when the UTC offsets are at most 1 hour apart,
  falling linearly to 0 at 6 hours or more. The distance goes round the clock (UTC+14
  and UTC-10 are the same time of day), since what matters is overlapping hours.
- agencies_domains (10): weight x min(1, shared / 3), counting shared agencies and
  shared domains together.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from matching.engine.records import (
    INDIVIDUAL_CONTRIBUTOR,
    PART_NAMES,
    PEOPLE_MANAGER,
    UNDECIDED,
    ApmRecord,
    MentorRecord,
    Proposal,
    ScorePart,
    Weights,
)

UNITS_PER_POINT = 1000
TZ_FULL_MINUTES = 60  # at most this far apart: full points
TZ_ZERO_MINUTES = 360  # at least this far apart: no points
AGENCIES_FOR_FULL = 3

TRACK_INDEX = {PEOPLE_MANAGER: 0, INDIVIDUAL_CONTRIBUTOR: 1, UNDECIDED: 2}
TRACK_LABEL = {
    PEOPLE_MANAGER: "people-manager track",
    INDIVIDUAL_CONTRIBUTOR: "individual-contributor track",
}

RULE_MESSAGES = {
    "same_person": "The mentor and the APM are the same person.",
    "manager": "The mentor is the APM's manager or manager's manager.",
    "same_team": "The mentor is on the APM's team.",
    "banned": "The committee has ruled out this pair.",
    "no_capacity": "The mentor has no free slots.",
}


def weight_units(weights: Weights) -> dict[str, int]:
    return {name: round(value * UNITS_PER_POINT) for name, value in weights.as_dict().items()}


def career_units(apm_track: str, mentor_track: str, weight: int) -> int:
    if mentor_track == UNDECIDED:
        return 0
    if apm_track == mentor_track:
        return weight
    if apm_track == UNDECIDED:
        return weight // 2
    return 0


def tz_distance(a_minutes: int, b_minutes: int) -> int:
    d = abs(a_minutes - b_minutes) % 1440
    return min(d, 1440 - d)


def tz_units(distance: int, weight: int) -> int:
    if distance <= TZ_FULL_MINUTES:
        return weight
    if distance >= TZ_ZERO_MINUTES:
        return 0
    return weight * (TZ_ZERO_MINUTES - distance) // (TZ_ZERO_MINUTES - TZ_FULL_MINUTES)


def pair_units(apm: ApmRecord, mentor: MentorRecord, units: Mapping[str, int]) -> dict[str, int]:
    """Each part of the pair's score in thousandths of a point."""
    n = len(apm.interests)
    shared = len(apm.interests & mentor.topics)
    both_known = apm.business_unit is not None and mentor.business_unit is not None
    other = both_known and apm.business_unit != mentor.business_unit and apm.prefers_other_unit
    known = len(apm.agencies & mentor.agencies) + len(apm.domains & mentor.domains)
    return {
        "shared_interests": units["shared_interests"] * shared // n if n else 0,
        "other_unit": units["other_unit"] if other else 0,
        "career_track": career_units(apm.career_track, mentor.career_track, units["career_track"]),
        "time_zone": tz_units(
            tz_distance(apm.utc_offset_minutes, mentor.utc_offset_minutes), units["time_zone"]
        ),
        "agencies_domains": units["agencies_domains"]
        * min(known, AGENCIES_FOR_FULL)
        // AGENCIES_FOR_FULL,
    }


def format_points(points: float) -> str:
    """+20, +7.5, +6.7: one decimal at most, none when it is zero."""
    rounded = round(points, 1)
    return f"+{rounded:.0f}" if rounded.is_integer() else f"+{rounded:.1f}"


def _hours(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} minutes"
    if minutes == 60:
        return "1 hour"
    return f"{minutes / 60:g} hours"


def category_label(category_id: int, category_names: Mapping[int, str] | None) -> str:
    if category_names and category_id in category_names:
        return category_names[category_id]
    return f"category {category_id}"


# The reason texts, without their points. `explain.proposals_for` builds the same
# texts for many proposals at once.


def interests_text(category_ids, category_names: Mapping[int, str] | None) -> str:
    labels = sorted(
        (category_label(c, category_names) for c in category_ids),
        key=lambda label: (label.casefold(), label),
    )
    noun = "Shared interest" if len(labels) == 1 else "Shared interests"
    return f"{noun}: {', '.join(labels)}"


OTHER_UNIT_TEXT = "Different business unit"


def career_text(apm_track: str, mentor_track: str) -> str:
    label = TRACK_LABEL[mentor_track]
    if apm_track == UNDECIDED:
        return f"Mentor can speak to the {label}"
    return f"Both on the {label}"


def time_zone_text(distance: int) -> str:
    return "Same time zone" if distance == 0 else f"Time zones {_hours(distance)} apart"


def known_text(agencies, domains) -> str:
    return "Both know " + ", ".join(sorted(agencies) + sorted(domains))


class Explainer:
    """Builds one proposal with its reasons (for `score_pair`)."""

    def __init__(self, category_names: Mapping[int, str] | None = None):
        self.category_names = category_names

    def text(self, name: str, apm: ApmRecord, mentor: MentorRecord) -> str:
        if name == "shared_interests":
            return interests_text(apm.interests & mentor.topics, self.category_names)
        if name == "other_unit":
            return OTHER_UNIT_TEXT
        if name == "career_track":
            return career_text(apm.career_track, mentor.career_track)
        if name == "time_zone":
            return time_zone_text(tz_distance(apm.utc_offset_minutes, mentor.utc_offset_minutes))
        return known_text(apm.agencies & mentor.agencies, apm.domains & mentor.domains)

    def proposal(
        self, apm: ApmRecord, mentor: MentorRecord, parts_units: Mapping[str, int]
    ) -> Proposal:
        parts = []
        for name in PART_NAMES:
            points = round(parts_units[name] / UNITS_PER_POINT, 1)
            if points > 0:
                reason = f"{self.text(name, apm, mentor)} ({format_points(points)})"
                parts.append(ScorePart(name, points, reason))
        # Largest first; equal points keep the fixed part order (sort is stable).
        parts.sort(key=lambda part: -part.points)
        return Proposal(
            apm_id=apm.id,
            mentor_id=mentor.id,
            score=sum(parts_units.values()) / UNITS_PER_POINT,
            parts=tuple(parts),
        )


def score_pair(
    apm: ApmRecord,
    mentor: MentorRecord,
    *,
    weights: Weights = Weights(),  # noqa: B008 - frozen, so a shared default is safe
    category_names: Mapping[int, str] | None = None,
) -> Proposal:
    """Score and reasons for one pair, whether or not it breaks a rule (for hand-matching)."""
    units = pair_units(apm, mentor, weight_units(weights))
    return Explainer(category_names).proposal(apm, mentor, units)


def broken_rules(
    apm: ApmRecord,
    mentor: MentorRecord,
    *,
    banned_pairs: Collection[tuple[int, int]] = (),
) -> list[tuple[str, str]]:
    """The hard rules the pair breaks as (code, message); an empty list means eligible."""
    return pair_rules_broken(
        apm_person=apm.person_id,
        mentor_person=mentor.person_id,
        manager_chain=apm.manager_chain,
        apm_team=apm.team,
        mentor_team=mentor.team,
        banned=(apm.id, mentor.id) in banned_pairs,
        mentor_capacity=mentor.capacity,
    )


def pair_rules_broken(
    *,
    apm_person: int,
    mentor_person: int,
    manager_chain: Collection[int],
    apm_team: int | None,
    mentor_team: int | None,
    banned: bool,
    mentor_capacity: int,
) -> list[tuple[str, str]]:
    """The hard rules, from only the facts they read: what approving a pair re-checks.

    Approval reads just these for each pair (the two people's teams, the APM's manager
    and manager's manager, the ban), so approving thousands costs no more per pair
    than approving one.
    """
    codes = []
    if apm_person == mentor_person:
        codes.append("same_person")
    if mentor_person in manager_chain:
        codes.append("manager")
    if apm_team is not None and apm_team == mentor_team:
        codes.append("same_team")
    if banned:
        codes.append("banned")
    if mentor_capacity <= 0:
        codes.append("no_capacity")
    return [(code, RULE_MESSAGES[code]) for code in codes]
