"""Plain-language reasons, and the change that would fix it, for each unmatched APM."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

import numpy as np

from matching.engine.cohort import Cohort
from matching.engine.records import (
    PART_NAMES,
    ApmRecord,
    MentorRecord,
    Proposal,
    ScorePart,
    Unmatched,
)
from matching.engine.scoring import (
    OTHER_UNIT_TEXT,
    UNITS_PER_POINT,
    broken_rules,
    career_text,
    format_points,
    interests_text,
    known_text,
    pair_units,
    time_zone_text,
)

MAX_NAMES = 3
RULE_ORDER = ("same_person", "manager", "same_team", "banned")


def proposals_for(
    cohort: Cohort,
    rows: np.ndarray,
    cols: np.ndarray,
    category_names: Mapping[int, str] | None,
) -> list[Proposal]:
    """Proposals with reasons for pairs (rows, cols), built in bulk.

    The same as `score_pair` gives, but tens of thousands of proposals share a few
    hundred distinct texts: they are cached under keys computed with arrays (the bits
    shared, the time distance) rather than rebuilt from sets pair by pair.
    """
    parts = cohort.edge_parts(rows, cols)
    shared_bits = cohort.a_int[rows] & cohort.m_int[cols]
    known_bits = cohort.a_ad[rows] & cohort.m_ad[cols]
    distance = np.abs(cohort.a_offset[rows] - cohort.m_offset[cols]) % 1440
    distance = np.minimum(distance, 1440 - distance)
    categories = sorted(cohort.categories, key=cohort.categories.get)
    agencies = sorted(cohort.agencies, key=cohort.agencies.get)
    domains = sorted(cohort.domains, key=cohort.domains.get)
    known_items = [(True, x) for x in agencies] + [(False, x) for x in domains]

    def interests(words):
        bits = _bit_positions(words, shared_bits.dtype)
        return interests_text([categories[b] for b in bits], category_names)

    def known(words):
        items = [known_items[b] for b in _bit_positions(words, known_bits.dtype)]
        return known_text(
            [x for agency, x in items if agency], [x for agency, x in items if not agency]
        )

    texts: dict[tuple, str] = {}
    shown: dict[int, tuple[float, str]] = {}
    out = []
    distances = distance.tolist()
    totals = parts.sum(axis=1).tolist()
    for n, (i, j, row_parts) in enumerate(
        zip(rows.tolist(), cols.tolist(), parts.tolist(), strict=True)
    ):
        apm, mentor = cohort.apms[i], cohort.mentors[j]
        made = []
        for p, units in enumerate(row_parts):
            if units not in shown:
                points = round(units / UNITS_PER_POINT, 1)
                shown[units] = (points, format_points(points))
            points, plus = shown[units]
            if points <= 0:
                continue
            name = PART_NAMES[p]
            if name == "shared_interests":
                key = (p, *shared_bits[n].tolist())
                text = texts.get(key) or texts.setdefault(key, interests(key[1:]))
            elif name == "other_unit":
                text = OTHER_UNIT_TEXT
            elif name == "career_track":
                text = career_text(apm.career_track, mentor.career_track)
            elif name == "time_zone":
                key = (p, distances[n])
                text = texts.get(key) or texts.setdefault(key, time_zone_text(distances[n]))
            else:
                key = (p, *known_bits[n].tolist())
                text = texts.get(key) or texts.setdefault(key, known(key[1:]))
            made.append(ScorePart(name, points, f"{text} ({plus})"))
        made.sort(key=lambda part: -part.points)  # largest first, stable
        out.append(Proposal(apm.id, mentor.id, totals[n] / UNITS_PER_POINT, tuple(made)))
    return out


def _bit_positions(words, dtype) -> list[int]:
    out, base = [], 0
    for word in words:
        word = int(word)
        while word:
            low = word & -word
            out.append(base + low.bit_length() - 1)
            word ^= low
        base += np.dtype(dtype).itemsize * 8
    return out


class Names:
    """Names for the texts, with plain fallbacks ("mentor 12") when unknown."""

    def __init__(self, person_names, team_names):
        self.person_names = person_names or {}
        self.team_names = team_names or {}

    def mentor(self, mentor: MentorRecord) -> str:
        return self.person_names.get(mentor.person_id) or f"mentor {mentor.id}"

    def person(self, person_id: int) -> str:
        return self.person_names.get(person_id) or f"person {person_id}"

    def team(self, team_id: int) -> str:
        name = self.team_names.get(team_id)
        return f"the {name} team" if name else f"the APM's team (team {team_id})"

    def mentors(self, mentors: Sequence[MentorRecord]) -> str:
        return ", ".join(self.mentor(m) for m in mentors[:MAX_NAMES])


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _breakdown(cohort: Cohort, row: int, cols: np.ndarray, banned_pairs) -> dict:
    """How many of mentor columns `cols` break each hard rule for APM `row` (first rule).

    The team rule is counted with arrays; the rest come from the row's short list of
    person and committee exclusions. Banned mentors are kept by name for the fix.
    """
    apm = cohort.apms[row]
    excluded = cohort.x_col[cohort.x_ptr[row] : cohort.x_ptr[row + 1]]
    excluded = excluded[np.isin(excluded, cols)]
    counts = dict.fromkeys(RULE_ORDER, 0)
    banned = []
    for j in excluded.tolist():
        mentor = cohort.mentors[j]
        codes = [code for code, _ in broken_rules(apm, mentor, banned_pairs=banned_pairs)]
        code = next(c for c in RULE_ORDER if c in codes)
        counts[code] += 1
        if code == "banned":
            banned.append(mentor)
    if cohort.use_team and cohort.a_team[row] >= 0:
        on_team = cols[cohort.m_team[cols] == cohort.a_team[row]]
        counts["same_team"] += len(np.setdiff1d(on_team, excluded))
    return {"counts": counts, "banned": banned}


def _rule_phrases(apm: ApmRecord, groups, names: Names, alone: bool) -> list[str]:
    phrases = []
    for code in RULE_ORDER:
        count = groups["counts"][code]
        if not count:
            continue
        verb = "they are" if alone else (f"{count} is" if count == 1 else f"{count} are")
        if code == "same_person":
            phrases.append(f"{verb} the APM themself")
        elif code == "manager":
            phrases.append(f"{verb} in the APM's management chain")
        elif code == "same_team":
            phrases.append(f"{verb} on {names.team(apm.team)}")
        elif alone:
            phrases.append("the committee has ruled out the pair")
        else:
            phrases.append(f"{verb} ruled out by the committee")
    return phrases


def _recruit(apm: ApmRecord, names: Names) -> str:
    outside = []
    if apm.team is not None:
        outside.append(names.team(apm.team))
    if apm.manager_chain:
        chain = sorted(names.person(p) for p in apm.manager_chain)
        outside.append(f"the APM's management chain ({', '.join(chain)})")
    if outside:
        return f"recruit a mentor outside {' and '.join(outside)}"
    return "recruit another mentor"


def _lift_bans(groups, names: Names) -> list[str]:
    banned = groups["banned"]
    if not banned:
        return []
    return [f"lift the committee's ban on one of: {names.mentors(banned)}"]


def explain_unmatched(
    cohort: Cohort,
    rows: np.ndarray,
    sigma: np.ndarray,
    all_mentors: Sequence[MentorRecord],
    banned_pairs: Collection[tuple[int, int]],
    names: Names,
) -> list[Unmatched]:
    """Why each APM in `rows` (unmatched after the solve) has no mentor, and what would help.

    Expects the assignment to leave no eligible mentor with a free slot for these APMs
    (true of any maximum-cardinality assignment).
    """
    if cohort.n_mentors == 0:
        return [
            _no_mentors(cohort.apms[i], all_mentors, banned_pairs, names, cohort.units)
            for i in rows
        ]
    load = np.bincount(sigma[sigma >= 0], minlength=cohort.n_mentors)
    room = np.flatnonzero(cohort.capacity - load > 0)
    every = np.arange(cohort.n_mentors)
    out = []
    block = cohort.block_rows()
    top = min(MAX_NAMES, cohort.n_mentors)
    for b0 in range(0, len(rows), block):
        chunk = np.asarray(rows[b0 : b0 + block])
        scores = cohort.scores(chunk)
        eligible_counts = np.isfinite(scores).sum(axis=1)
        # Each APM's best-scoring mentors first, so the committee asks them first.
        best = np.argpartition(-scores, top - 1, axis=1)[:, :top]
        best_scores = np.take_along_axis(scores, best, axis=1)
        order = np.lexsort((best, -best_scores), axis=-1)
        best = np.take_along_axis(best, order, axis=1)
        best_scores = np.take_along_axis(best_scores, order, axis=1)
        best_ok = np.isfinite(best_scores)
        for local, i in enumerate(chunk.tolist()):
            apm = cohort.apms[i]
            if not eligible_counts[local]:
                groups = _breakdown(cohort, i, every, banned_pairs)
                item = _no_eligible(apm, cohort.n_mentors, groups, names)
                out.append(replace(item, banned_mentors=_ids(groups["banned"])))
                continue
            ok = best_ok[local]
            full = [cohort.mentors[j] for j in best[local][ok].tolist()]
            allowed = tuple(
                (mentor.id, float(np.floor(score)) / UNITS_PER_POINT)
                for mentor, score in zip(full, best_scores[local][ok].tolist(), strict=True)
            )
            if len(room):
                groups = _breakdown(cohort, i, room, banned_pairs)
                item = _only_ineligible(apm, len(room), full, groups, names)
                item = replace(item, banned_mentors=_ids(groups["banned"]))
            else:
                item = _all_full(apm, int(eligible_counts[local]), full, names)
            out.append(replace(item, allowed_mentors=allowed))
    return out


def _ids(mentors: Sequence[MentorRecord]) -> tuple[int, ...]:
    return tuple(mentor.id for mentor in mentors[:MAX_NAMES])


def _no_mentors(apm, all_mentors, banned_pairs, names, units, scan=1000) -> Unmatched:
    if not all_mentors:
        return Unmatched(
            apm.id,
            "no_mentors",
            "There are no mentors in this cohort yet.",
            "Recruit mentors for this cohort.",
        )
    could = []
    for mentor in all_mentors[:scan]:
        codes = [c for c, _ in broken_rules(apm, mentor, banned_pairs=banned_pairs)]
        if codes == ["no_capacity"]:
            could.append(mentor)
            if len(could) == MAX_NAMES:
                break
    count = len(all_mentors)
    reason = (
        "The only mentor in this cohort has no free slot."
        if count == 1
        else f"None of the {count} mentors in this cohort has a free slot."
    )
    if could:
        fix = f"Raise the capacity of one of: {names.mentors(could)}; or recruit more mentors."
    else:
        fix = _sentence(_recruit(apm, names))
    scored = sorted(
        ((sum(pair_units(apm, m, units).values()), m.id) for m in could),
        key=lambda pair: (-pair[0], pair[1]),
    )
    allowed = tuple((mentor_id, total / UNITS_PER_POINT) for total, mentor_id in scored)
    return Unmatched(apm.id, "no_mentors", reason, fix, allowed_mentors=allowed)


def _no_eligible(apm, count, groups, names) -> Unmatched:
    alone = count == 1
    phrases = _join(_rule_phrases(apm, groups, names, alone))
    if alone:
        reason = f"The only mentor with a free slot may not be matched with this APM: {phrases}."
    else:
        reason = (
            f"None of the {count} mentors with free slots may be matched with this APM: {phrases}."
        )
    fix = _sentence("; or ".join([_recruit(apm, names), *_lift_bans(groups, names)]))
    return Unmatched(apm.id, "no_eligible_mentor", reason, fix)


def _only_ineligible(apm, count, best_full, groups, names) -> Unmatched:
    alone = count == 1
    phrases = _join(_rule_phrases(apm, groups, names, alone))
    if alone:
        reason = (
            "The only mentor who still has a free slot may not be matched with this APM: "
            f"{phrases}."
        )
    else:
        reason = (
            f"The {count} mentors who still have free slots may not be matched "
            f"with this APM: {phrases}."
        )
    if len(best_full) == 1:
        raise_ = (
            f"raise the capacity of {names.mentor(best_full[0])}, who may be matched with "
            "this APM but is full"
        )
    else:
        raise_ = (
            "raise the capacity of one of the full mentors this APM may be matched with: "
            f"{names.mentors(best_full)}"
        )
    fix = _sentence("; or ".join([raise_, *_lift_bans(groups, names)]))
    return Unmatched(apm.id, "only_ineligible_have_room", reason, fix)


def _all_full(apm, eligible_count, best_full, names) -> Unmatched:
    if eligible_count == 1:
        reason = "The only mentor this APM may be matched with is full."
        raise_ = f"raise the capacity of {names.mentor(best_full[0])}"
    else:
        reason = f"All {eligible_count} mentors this APM may be matched with are full."
        raise_ = f"raise the capacity of one of: {names.mentors(best_full)}"
    fix = _sentence(f"{raise_}; or {_recruit(apm, names)}")
    return Unmatched(apm.id, "all_eligible_full", reason, fix)
