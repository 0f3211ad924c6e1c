"""CSV exports of survey results: the same published figures as the pages, nothing more.

The rows hold numbers as numbers; the views write them with csv_response, which
guards every text cell against being run as a formula and leaves numbers as they are.
"""

from surveys.results import Combined, SurveyResults

HEADER = ["section", "survey", "group", "question", "answer", "count", "share (%)", "note"]


def _participation(survey_title, rows):
    for row in rows:
        yield ["participation", survey_title, row.group.label, "", "invited", row.invited, "", ""]
        yield ["participation", survey_title, row.group.label, "", "answered", row.completed,
               row.rate, ""]  # fmt: skip


def _measures(survey_title, measures):
    for measure in measures:
        for row in measure.rows:
            if row.status:
                yield [measure.label, survey_title, row.group.label, measure.question_text, "",
                       "", "", row.status]  # fmt: skip
            else:
                yield [measure.label, survey_title, row.group.label, measure.question_text, "",
                       row.n, measure.figure(row), measure.text(row)]  # fmt: skip


def survey_rows(results: SurveyResults):
    title = results.survey.title
    yield HEADER
    yield from _participation(title, results.participation)
    if not results.released:
        yield ["answers", title, "", "", "", "", "", results.not_released_note]
        return
    yield from _measures(title, results.measures)
    for question in results.questions:
        if question.question.kind == question.question.Kind.TEXT:
            continue  # free text is read on the page, never exported
        for distribution in [question.overall, *question.breakdown]:
            if distribution.status:
                yield ["distribution", title, distribution.group.label, question.question.text,
                       "", "", "", distribution.status]  # fmt: skip
                continue
            for label, count, share in distribution.rows:
                yield ["distribution", title, distribution.group.label, question.question.text,
                       label, count, share, f"of {distribution.n} who answered"]  # fmt: skip


def cohort_rows(context: dict):
    combined: Combined = context["combined"]
    label = f"{context['cohort'].name}: all surveys"
    yield HEADER
    yield from _participation(label, combined.participation_rows())
    yield from _measures(label, combined.measure_list)
    for result in context["surveys"]:
        yield from _participation(result.survey.title, result.participation)
        if result.released:
            yield from _measures(result.survey.title, result.measures)
        else:
            yield ["answers", result.survey.title, "", "", "", "", "", result.not_released_note]
