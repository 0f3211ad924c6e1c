"""Proofs that an anonymous response cannot be linked back to the person who sent it."""

import uuid

import pytest
from django.db import connection, models

from mentorship.models import AuditLog, User
from surveys import services
from surveys.models import Answer, Invitation, Response
from tests.surveys.conftest import answers_for, close, mix, question

pytestmark = pytest.mark.django_db

PEOPLE = 30  # enough that a chance correlation above 0.9 is about one in a million


def spearman(order: list[int]) -> float:
    """Rank correlation between positions 0..n-1 and the given sequence of ranks."""
    n = len(order)
    return 1 - 6 * sum((i - rank) ** 2 for i, rank in enumerate(order)) / (n * (n * n - 1))


@pytest.fixture
def answered_in_order(make_pair, open_survey):
    """PEOPLE people answer one after another; each writes their turn in the free text.

    After each answer the mixer runs, as its task does once the answer commits; at the end
    what is left is mixed, as sealing does.
    """
    for _ in range(PEOPLE // 2):
        make_pair()
    survey = open_survey()
    text = question(survey, "text")
    invitations = list(Invitation.objects.filter(survey=survey).order_by("?"))
    for turn, invitation in enumerate(invitations):
        services.response_submit(
            invitation=invitation, answers=answers_for(survey, text=f"{turn}")
        )
        services.ballots_mix(survey_id=survey.pk)
    mix(survey)
    turns = {a.response_id: int(a.text) for a in Answer.objects.filter(question=text)}
    return survey, invitations, turns


def test_anonymous_responses_hold_no_person_and_no_date(answered_in_order):
    survey, _, _ = answered_in_order
    assert Response.objects.filter(survey=survey).count() == PEOPLE
    assert not Response.objects.filter(survey=survey, user__isnull=False).exists()
    assert not Response.objects.filter(survey=survey, submitted_on__isnull=False).exists()


def test_response_and_answer_tables_have_no_time_columns_and_no_other_link_to_people():
    for model in (Response, Answer):
        fields = model._meta.concrete_fields
        assert not [
            f.name for f in fields if isinstance(f, models.DateTimeField | models.TimeField)
        ]
        person_links = [f.name for f in fields if f.is_relation and f.related_model is User]
        assert person_links == (["user"] if model is Response else [])
    # The only date is the attributed surveys' submission day (null when anonymous).
    assert [f.name for f in Response._meta.concrete_fields if isinstance(f, models.DateField)] == [
        "submitted_on"
    ]


def test_ids_are_random_uuid4_not_a_sequence(answered_in_order):
    survey, _, turns = answered_in_order
    ids = list(Response.objects.filter(survey=survey).values_list("id", flat=True))
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)
    assert all(a.version == 4 for a in Answer.objects.values_list("id", flat=True))
    by_turn = [i for i, _ in sorted(turns.items(), key=lambda item: item[1])]
    assert by_turn != sorted(by_turn)
    assert abs(spearman([sorted(by_turn).index(i) for i in by_turn])) < 0.9


def test_the_invitation_records_completion_as_a_day_and_keeps_no_modification_time(
    answered_in_order,
):
    survey, _invitations, _ = answered_in_order
    field = Invitation._meta.get_field("completed_on")
    assert type(field) is models.DateField
    assert "updated_at" not in {f.name for f in Invitation._meta.concrete_fields}
    assert Invitation.objects.filter(survey=survey, completed_on__isnull=True).count() == 0
    assert not Invitation.objects.filter(survey=survey, draft__isnull=False).exists()


def test_no_response_column_puts_responses_in_the_order_people_answered(answered_in_order):
    survey, _, turns = answered_in_order
    columns = [f.attname for f in Response._meta.concrete_fields]
    assert set(columns) == {"id", "survey_id", "user_id", "role", "business_unit_id",
                            "submitted_on"}  # fmt: skip
    for column in columns:
        ordered = Response.objects.filter(survey=survey).order_by(column, "id")
        sequence = [turns[pk] for pk in ordered.values_list("pk", flat=True)]
        assert sequence != list(range(PEOPLE)), column
        assert abs(spearman(sequence)) < 0.9, column


def test_no_answer_column_puts_answers_in_the_order_people_answered(answered_in_order):
    survey, _, turns = answered_in_order
    text = question(survey, "text")
    for column in [f.attname for f in Answer._meta.concrete_fields]:
        ordered = Answer.objects.filter(question=text).order_by(column, "id")
        sequence = [turns[r] for r in ordered.values_list("response_id", flat=True)]
        assert abs(spearman(sequence)) < 0.9, column


def _physical_order(table: str, where: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE {where}", params)  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_after_closing_not_even_the_storage_order_follows_the_order_people_answered(
    answered_in_order, committee
):
    survey, _, turns = answered_in_order
    close(survey, committee)
    assert services.survey_seal_responses(survey_id=survey.pk)
    stored = _physical_order("surveys_response", "survey_id = %s", [survey.pk])
    by_id = {str(pk).replace("-", ""): turn for pk, turn in turns.items()}
    sequence = [by_id[str(value).replace("-", "")] for value in stored]
    assert sorted(sequence) == list(range(PEOPLE))  # every response is still there
    assert abs(spearman(sequence)) < 0.9
    # Unordered listings by any column now come out in the shuffled storage order.
    for column in ("role", "survey_id", "business_unit_id", "submitted_on"):
        ordered = Response.objects.filter(survey=survey).order_by(column)
        assert abs(spearman([turns[pk] for pk in ordered.values_list("pk", flat=True)])) < 0.9
    assert not services.survey_seal_responses(survey_id=survey.pk)  # once only


def test_submitting_writes_no_audit_record(make_pair, open_survey):
    make_pair()
    survey = open_survey()
    before = AuditLog.objects.count()
    invitation = Invitation.objects.filter(survey=survey).first()
    services.response_submit(invitation=invitation, answers=answers_for(survey))
    assert AuditLog.objects.count() == before


def test_the_business_unit_is_kept_only_when_enough_people_in_that_role_and_unit_were_asked(
    make_pair, open_survey
):
    for _ in range(5):
        make_pair()
    survey = open_survey()  # 5 APMs in one unit, 5 mentors in another
    for invitation in Invitation.objects.filter(survey=survey):
        services.response_submit(invitation=invitation, answers=answers_for(survey))
    assert mix(survey) == 10
    assert not Response.objects.filter(survey=survey, business_unit=None).exists()


def test_a_response_from_a_small_unit_does_not_record_the_unit(make_pair, open_survey, units):
    from tests.factories import TeamFactory

    make_pair()
    small = TeamFactory(name="Tiny", business_unit=units[0].__class__.objects.create(name="Tiny"))
    make_pair(apm_kwargs={"team": small})
    survey = open_survey()
    invitation = Invitation.objects.get(survey=survey, business_unit=small.business_unit)
    services.response_submit(invitation=invitation, answers=answers_for(survey))
    assert mix(survey) == 1
    response = Response.objects.get(survey=survey)
    assert response.business_unit_id is None
    assert response.role == "apm"
