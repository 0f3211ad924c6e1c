"""Counting answers in the database and deciding, group by group, what may be shown."""

import random
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db.models import Count, F, Q
from django.db.models.expressions import Window
from django.db.models.functions import Random, RowNumber
from django.utils import timezone

from mentorship.models import BusinessUnit
from surveys import privacy
from surveys.models import Answer, Ballot, Invitation, Question, Survey, privacy_threshold
from surveys.results.figures import (
    EVERYONE,
    ROLE_LABELS,
    UNIT_NOT_RECORDED,
    Distribution,
    Group,
    Participation,
    QuestionResult,
    SurveyResults,
)

TEXT_SAMPLE = 50

# --- Loading counts --------------------------------------------------------------------------


def _unit_label(unit_id, names: dict) -> str:
    return UNIT_NOT_RECORDED if unit_id is None else names.get(unit_id, f"Business unit {unit_id}")


def _answer_cells(questions: list[Question]):
    """question id → {(role, unit): Counter(value → people)} and → {(role, unit): people}."""
    counts: dict[int, dict] = defaultdict(lambda: defaultdict(Counter))
    answerers: dict[int, dict] = defaultdict(dict)
    valued = [q.pk for q in questions if q.kind != Question.Kind.TEXT]
    if valued:
        rows = (
            Answer.objects.filter(question_id__in=valued)
            .values("question_id", "response__role", "response__business_unit_id",
                    "number", "choice")
            .annotate(n=Count("id"))
            .order_by()
        )  # fmt: skip
        for row in rows:
            cell = (row["response__role"], row["response__business_unit_id"])
            value = row["number"] if row["number"] is not None else row["choice"]
            counts[row["question_id"]][cell][value] += row["n"]
    single = {
        q.pk for q in questions if q.kind not in (Question.Kind.MULTIPLE, Question.Kind.TEXT)
    }
    for question_id in single & counts.keys():
        answerers[question_id] = {c: sum(v.values()) for c, v in counts[question_id].items()}
    several = [q.pk for q in questions if q.kind in (Question.Kind.MULTIPLE, Question.Kind.TEXT)]
    if several:
        rows = (
            Answer.objects.filter(question_id__in=several)
            .values("question_id", "response__role", "response__business_unit_id")
            .annotate(n=Count("response_id", distinct=True))
            .order_by()
        )
        for row in rows:
            cell = (row["response__role"], row["response__business_unit_id"])
            answerers[row["question_id"]][cell] = row["n"]
    return counts, answerers


def _invitation_cells(survey_ids) -> dict[int, dict]:
    """survey id → {(role, unit): (invited, answered)}."""
    cells: dict[int, dict] = defaultdict(dict)
    rows = (
        Invitation.objects.filter(survey_id__in=survey_ids)
        .values("survey_id", "role", "business_unit_id")
        .annotate(invited=Count("id"), completed=Count("id", filter=Q(completed_on__isnull=False)))
        .order_by()
    )
    for row in rows:
        cells[row["survey_id"]][(row["role"], row["business_unit_id"])] = (
            row["invited"],
            row["completed"],
        )
    return cells


def _waiting_ballots(survey_ids) -> dict[int, int]:
    """survey id → ballots waiting to be mixed, for closed surveys not sealed yet.

    Once sealed, a survey's results are final: a ballot left then is one no key opened
    (sealing logs it), and it does not hold the results back.
    """
    if not survey_ids:
        return {}
    rows = (
        Ballot.objects.filter(survey_id__in=survey_ids)
        .values("survey_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["survey_id"]: row["n"] for row in rows}


def _text_samples(question_ids: list[int]) -> dict[int, list[str]]:
    """Up to TEXT_SAMPLE free-text answers per question, picked and ordered at random."""
    texts: dict[int, list[str]] = defaultdict(list)
    if not question_ids:
        return texts
    rows = (
        Answer.objects.filter(question_id__in=question_ids)
        .exclude(text="")
        .annotate(
            pick=Window(RowNumber(), partition_by=[F("question_id")], order_by=Random().asc())
        )
        .filter(pick__lte=TEXT_SAMPLE)
        .values_list("question_id", "text")
    )
    for question_id, text in rows:
        texts[question_id].append(text)
    for sample in texts.values():
        random.shuffle(sample)
    return texts


def _groups(survey: Survey, cells: Iterable, unit_names: dict) -> list[Group]:
    """Everyone, then the roles (if the survey asks both), then business units by name."""
    groups = [EVERYONE]
    if len(survey.roles) > 1:
        groups += [Group(privacy.role_group(r), ROLE_LABELS[r]) for r in survey.roles]
    units = {unit for _, unit in cells}
    ordered = sorted(units, key=lambda u: (u is None, _unit_label(u, unit_names).casefold()))
    groups += [Group(privacy.unit_group(u), _unit_label(u, unit_names)) for u in ordered]
    return groups


def _sum(key, cells: dict) -> int | Counter:
    members = privacy.group_cells(key, cells)
    values = [cells[cell] for cell in members]
    if values and isinstance(values[0], Counter):
        return sum(values, Counter())
    return sum(values)


def _question_result(question, groups, counts, answerers, threshold, texts) -> QuestionResult:
    cells = answerers.get(question.pk, {})
    shown = privacy.publishable_groups(cells, threshold)
    value_cells = counts.get(question.pk, {})
    distributions = []
    for group in groups:
        # An empty group is hidden like a small one: its people may have answered with
        # their business unit left out, and "no answers" would then be untrue.
        size = privacy.group_size(group.key, cells)
        visible = group.key in shown and size > 0
        distributions.append(
            Distribution(
                question=question,
                group=group,
                shown=visible,
                n=size if visible else 0,
                counts=_sum(group.key, value_cells) if visible and size else Counter(),
            )
        )
    overall = distributions[0]
    return QuestionResult(
        question=question,
        overall=overall,
        breakdown=distributions[1:],
        texts=texts.get(question.pk, []) if overall.shown and overall.n else [],
    )


def results_for(
    surveys: list[Survey], *, with_texts: bool = False, measures_only: bool = False, now=None
) -> dict[int, SurveyResults]:
    """Results of several surveys at once, in a fixed number of queries."""
    now = now or timezone.now()
    threshold = privacy_threshold()
    surveys = [s for s in surveys if not s.is_template]
    ids = [s.pk for s in surveys]
    closed = [s for s in surveys if s.has_closed(now)]
    # Anonymous answers still waiting as ballots are not in the counts yet: a closed
    # survey's results are shown once its last ones are mixed (at sealing), so that the
    # figures never change once shown (the change would be those last few people).
    waiting = _waiting_ballots([s.pk for s in closed if s.is_anonymous and s.sealed_at is None])
    released = {s.pk for s in closed if not waiting.get(s.pk)}
    questions = Question.objects.filter(survey_id__in=ids)
    if measures_only:
        questions = questions.exclude(measures="")
    questions = list(questions) if ids else []
    asked = [q for q in questions if q.survey_id in released]
    counts, answerers = _answer_cells(asked)
    invitations = _invitation_cells(ids) if ids else {}
    unit_ids = {unit for cells in invitations.values() for _, unit in cells}
    unit_ids |= {unit for cells in answerers.values() for _, unit in cells}
    unit_ids.discard(None)
    names = dict(BusinessUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name")) if (
        unit_ids
    ) else {}  # fmt: skip

    results = {}
    for survey in surveys:
        invited = invitations.get(survey.pk, {})
        survey_questions = [q for q in questions if q.survey_id == survey.pk]
        answer_cells = set(invited)
        for question in survey_questions:
            answer_cells |= set(answerers.get(question.pk, {}))
        groups = _groups(survey, answer_cells, names)
        invited_counts = {cell: value[0] for cell, value in invited.items()}
        answered_counts = {cell: value[1] for cell, value in invited.items()}
        participation = [
            Participation(group, _sum(group.key, invited_counts), _sum(group.key, answered_counts))
            for group in groups
            if group.key == privacy.EVERYONE or _sum(group.key, invited_counts)
        ]
        results[survey.pk] = SurveyResults(
            survey=survey,
            released=survey.pk in released,
            threshold=threshold,
            participation=participation,
            questions=[],
            groups=groups,
            waiting=waiting.get(survey.pk, 0),
        )
    texts: dict[int, list[str]] = {}
    if with_texts:
        # Only questions whose answerers as a whole reach the threshold show any text.
        visible_text = [
            q.pk
            for q in asked
            if q.kind == Question.Kind.TEXT
            and privacy.EVERYONE in privacy.publishable_groups(answerers.get(q.pk, {}), threshold)
        ]
        texts = _text_samples(visible_text)
    for question in asked:
        result = results[question.survey_id]
        result.questions.append(
            _question_result(question, result.groups, counts, answerers, threshold, texts)
        )
    return results


def survey_results(*, survey: Survey, now=None) -> SurveyResults:
    """Everything the survey's results page shows."""
    return results_for([survey], with_texts=True, now=now)[survey.pk]
