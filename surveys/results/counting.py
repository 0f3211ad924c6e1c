"""Counting answers in the database and deciding, group by group, what may be shown."""

import random
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.expressions import Window
from django.db.models.functions import Random, RowNumber
from django.utils import timezone

from mentorship.models import BusinessUnit
from surveys import privacy
from surveys.models import (
    Answer,
    Ballot,
    Invitation,
    Question,
    Survey,
    Tally,
    privacy_threshold,
)
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


def _answer_rows(questions: list[Question]) -> tuple[list, list]:
    """The grouped answers to ``questions``: (values, answerers) rows, as a Tally keeps them.

    values: [question, role, unit, number, choice, people] for questions with values;
    answerers: [question, role, unit, people] for questions that take several answers
    (multiple choice, free text), where people are not the sum of the values.
    """
    valued = [q.pk for q in questions if q.kind != Question.Kind.TEXT]
    several = [q.pk for q in questions if q.kind in (Question.Kind.MULTIPLE, Question.Kind.TEXT)]
    cell = ("question_id", "response__role", "response__business_unit_id")
    values = (
        list(
            Answer.objects.filter(question_id__in=valued)
            .values(*cell, "number", "choice")
            .annotate(n=Count("id"))
            .values_list(*cell, "number", "choice", "n")
            .order_by()
        )
        if valued
        else []
    )
    answerers = (
        list(
            Answer.objects.filter(question_id__in=several)
            .values(*cell)
            .annotate(n=Count("response_id", distinct=True))
            .values_list(*cell, "n")
            .order_by()
        )
        if several
        else []
    )
    return values, answerers


def _answer_cells(questions: list[Question], values: list, answerer_rows: list):
    """question id → {(role, unit): Counter(value → people)} and → {(role, unit): people}."""
    counts: dict[int, dict] = defaultdict(lambda: defaultdict(Counter))
    answerers: dict[int, dict] = defaultdict(dict)
    asked = {q.pk for q in questions}
    for question_id, role, unit, number, choice, n in values:
        if question_id in asked:
            counts[question_id][(role, unit)][number if number is not None else choice] += n
    single = {
        q.pk for q in questions if q.kind not in (Question.Kind.MULTIPLE, Question.Kind.TEXT)
    }
    for question_id in single & counts.keys():
        answerers[question_id] = {c: sum(v.values()) for c, v in counts[question_id].items()}
    for question_id, role, unit, n in answerer_rows:
        if question_id in asked:
            answerers[question_id][(role, unit)] = n
    return counts, answerers


def _invitation_rows(survey_ids) -> list:
    """[survey, role, unit, invited, answered] for each group of invitations."""
    if not survey_ids:
        return []
    return list(
        Invitation.objects.filter(survey_id__in=survey_ids)
        .values("survey_id", "role", "business_unit_id")
        .annotate(invited=Count("id"), completed=Count("id", filter=Q(completed_on__isnull=False)))
        .values_list("survey_id", "role", "business_unit_id", "invited", "completed")
        .order_by()
    )


def _invitation_cells(rows) -> dict[int, dict]:
    """survey id → {(role, unit): (invited, answered)}."""
    cells: dict[int, dict] = defaultdict(dict)
    for survey_id, role, unit, invited, completed in rows:
        cells[survey_id][(role, unit)] = (invited, completed)
    return cells


def _tallies(released: list[Survey], questions: list[Question]) -> list[Tally]:
    """The Tally of each released survey, written the first time its results are read."""
    tallies = {t.survey_id: t for t in Tally.objects.filter(survey__in=released)}
    for survey in released:
        if survey.pk not in tallies:
            asked = [q for q in questions if q.survey_id == survey.pk]
            tallies[survey.pk] = _tally_write(survey, asked)
    return list(tallies.values())


def _tally_write(survey: Survey, questions: list[Question]) -> Tally:
    """Count a closed survey once and keep the counts, as they are now final.

    The row lock waits for anyone still saving an answer (they hold a share lock on the
    survey until they commit: surveys.services.answering), so nothing lands after.
    """
    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk).first()
        tally = Tally.objects.filter(survey=survey).first()
        if tally is None:
            values, answerers = _answer_rows(questions)
            invitations = [row[1:] for row in _invitation_rows([survey.pk])]
            tally = Tally.objects.create(
                survey=survey, values=values, answerers=answerers, invitations=invitations
            )
    return tally


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
    # Questions are read whole: a Tally counts every question of its survey.
    all_questions = list(Question.objects.filter(survey_id__in=ids)) if ids else []
    questions = [q for q in all_questions if q.measures or not measures_only]
    asked = [q for q in questions if q.survey_id in released]
    # Released results come from their Tally (counted once); the rest are counted now.
    tallies = _tallies([s for s in surveys if s.pk in released], all_questions)
    values = [row for tally in tallies for row in tally.values]
    answerer_rows = [row for tally in tallies for row in tally.answerers]
    counts, answerers = _answer_cells(asked, values, answerer_rows)
    invitation_rows = [
        [tally.survey_id, *row] for tally in tallies for row in tally.invitations
    ] + _invitation_rows([pk for pk in ids if pk not in released])
    invitations = _invitation_cells(invitation_rows)
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
