"""Anonymous answers wait as sealed ballots and become responses in batches (any database).

What the database itself can tell (transaction ids, row positions) is checked on
PostgreSQL in test_storage_links.py; here, the rules the mixer follows, what a ballot
holds, sealing, keys, crashes and the schedule.
"""

import base64
import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from mentorship.models import User
from surveys import ballots, services, tasks
from surveys.models import Answer, Ballot, Invitation, Response, Survey, privacy_threshold
from surveys.services import mixing
from tests.surveys.conftest import answers_for, close, mix, promote, question

pytestmark = pytest.mark.django_db

T = 5  # the test settings' privacy threshold
LOST = "server closed the connection unexpectedly"


@pytest.fixture
def apm_survey(make_pair, open_survey):
    """An open anonymous survey of ``n`` APMs, all in one business unit (one kind)."""

    def make(n, **fields):
        for _ in range(n):
            make_pair()
        return open_survey(audience="apms", **fields)

    return make


def submit(survey, invitations, **values):
    for invitation in invitations:
        services.response_submit(invitation=invitation, answers=answers_for(survey, **values))


def invitations_of(survey, **filters):
    return list(Invitation.objects.filter(survey=survey, completed_on=None, **filters))


def test_the_threshold_these_tests_assume():
    assert privacy_threshold() == T


# --- The batches -----------------------------------------------------------------------


def test_mixing_while_open_waits_for_twice_the_threshold_and_keeps_the_threshold_back(
    apm_survey,
):
    survey = apm_survey(2 * T)
    people = invitations_of(survey)
    submit(survey, people[:-1])
    assert services.ballots_mix(survey_id=survey.pk) == 0  # 9 waiting: below 2t
    assert (Ballot.objects.count(), Response.objects.count()) == (2 * T - 1, 0)
    submit(survey, people[-1:])
    assert services.ballots_mix(survey_id=survey.pk) == T
    # t are kept back, so that the last batch, at close, has t as well.
    assert (Ballot.objects.count(), Response.objects.count()) == (T, T)
    assert services.ballots_mix(survey_id=survey.pk) == 0  # a second run: nothing to do
    assert Answer.objects.filter(response__survey=survey).count() == T * len(answers_for(survey))


def test_each_kind_of_response_makes_its_own_batch(make_pair, open_survey):
    """Role, business unit and the questions asked are what the invitation tells."""
    pairs = [make_pair() for _ in range(2 * T + 2)]
    for pair in pairs[:2]:
        promote(pair.apm.user, pair.cohort)
    survey = open_survey()  # APMs in Veterans, mentors in Health
    credit = question(survey, "promotion_credit")
    promoted = {pair.apm.user_id for pair in pairs[:2]}
    for invitation in invitations_of(survey, role="apm"):
        answers = answers_for(survey)
        if invitation.user_id in promoted:
            answers[credit.pk] = 1
        services.response_submit(invitation=invitation, answers=answers)
    submit(survey, invitations_of(survey, role="mentor")[: 2 * T - 1])
    # Ten unpromoted APMs make a batch; two promoted APMs and nine mentors do not.
    assert services.ballots_mix(survey_id=survey.pk) == T
    assert set(Response.objects.values_list("role", flat=True)) == {"apm"}
    assert not Answer.objects.filter(question=credit).exists()
    assert Ballot.objects.count() == T + 2 + 2 * T - 1


def test_submitting_queues_the_mix_once_the_answer_commits(
    apm_survey, django_capture_on_commit_callbacks
):
    survey = apm_survey(2 * T)
    for invitation in invitations_of(survey):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.response_submit(invitation=invitation, answers=answers_for(survey))
        assert len(callbacks) == 1
    assert (Response.objects.count(), Ballot.objects.count()) == (T, T)


def test_a_batch_is_one_bulk_insert_per_table_from_shuffled_lists(apm_survey, monkeypatch):
    survey = apm_survey(T)
    submit(survey, invitations_of(survey), multiple=["Contracting", "Frameworks"])
    given, inserted = [], {}

    def reverse(rows):  # a known permutation in place of the random one
        given.append(list(rows))
        rows.reverse()

    def spy(model):
        real = model.objects.bulk_create

        def bulk_create(rows, **kwargs):
            inserted.setdefault(model, []).append(list(rows))
            return real(rows, **kwargs)

        monkeypatch.setattr(model.objects, "bulk_create", bulk_create)

    monkeypatch.setattr(mixing, "_shuffle", reverse)
    spy(Response)
    spy(Answer)
    assert mix(survey) == T
    responses, answers = given
    assert inserted[Response] == [responses[::-1]]
    assert inserted[Answer] == [answers[::-1]]
    # One list for the whole batch: answers are shuffled across responses, not within each.
    assert len(answers) == Answer.objects.count()
    assert len({answer.response_id for answer in answers}) == T


# --- What a ballot holds ----------------------------------------------------------------


def test_a_ballot_holds_no_readable_answer_no_clock_and_one_length_for_the_survey(apm_survey):
    survey = apm_survey(3)
    short, long_, plain = invitations_of(survey)
    secret = "My manager belittles me in meetings"
    submit(survey, [short], text=secret)
    submit(survey, [long_], text="é" * 4000, multiple=["Contracting", "Frameworks"])
    submit(survey, [plain])
    tokens = list(Ballot.objects.values_list("sealed", flat=True))
    assert len({len(token) for token in tokens}) == 1  # the length says nothing
    for token in tokens:
        raw = base64.urlsafe_b64decode(token)
        assert raw[0] == 0x80  # a Fernet token...
        assert raw[1:9] == bytes(8)  # ...whose clock is zero: no time of answering
        assert secret not in token  # (spaces are not in a token's alphabet at all)
    assert any(secret in str(ballots.decrypt(token)) for token in tokens)


def test_ballots_and_responses_have_no_time_no_person_and_no_counter():
    for model in (Response, Answer, Ballot):
        fields = model._meta.concrete_fields
        assert not [
            f.name for f in fields if isinstance(f, models.DateTimeField | models.TimeField)
        ]
        assert model._meta.pk.get_internal_type() == "UUIDField"
    dated = [f.name for m in (Response, Answer, Ballot) for f in m._meta.concrete_fields
             if isinstance(f, models.DateField)]  # fmt: skip
    assert dated == ["submitted_on"]  # attributed surveys only
    assert [f.name for f in Ballot._meta.concrete_fields] == ["id", "survey", "sealed"]
    assert not [f for f in Ballot._meta.concrete_fields if f.related_model is User]


def test_a_ballot_keeps_the_business_unit_only_for_a_group_large_enough(
    make_pair, open_survey, units
):
    from tests.factories import TeamFactory

    for _ in range(T):
        make_pair()
    small = TeamFactory(name="Tiny", business_unit=units[0].__class__.objects.create(name="Tiny"))
    make_pair(apm_kwargs={"team": small})
    survey = open_survey(audience="apms")
    submit(survey, invitations_of(survey))
    payloads = [
        ballots.decrypt(token) for token in Ballot.objects.values_list("sealed", flat=True)
    ]
    assert sorted(p["business_unit"] or 0 for p in payloads) == [0] + [units[0].pk] * T
    assert {p["role"] for p in payloads} == {"apm"}


# --- Closing and sealing ----------------------------------------------------------------


def test_sealing_mixes_every_ballot_left_before_it_rewrites(apm_survey, committee):
    survey = apm_survey(3)
    submit(survey, invitations_of(survey), text="kept")
    assert services.ballots_mix(survey_id=survey.pk) == 0  # too few while open
    close(survey, committee)
    assert services.ballots_mix(survey_id=survey.pk) == 0  # closed: left for sealing
    assert services.survey_seal_responses(survey_id=survey.pk)
    survey.refresh_from_db()
    assert survey.sealed_at is not None
    assert not Ballot.objects.exists()
    assert Response.objects.filter(survey=survey).count() == 3
    assert Answer.objects.filter(text="kept").count() == 3
    assert not services.survey_seal_responses(survey_id=survey.pk)  # once


def test_the_seal_task_queued_by_closing_mixes_the_last_ballots(
    apm_survey, committee, django_capture_on_commit_callbacks
):
    survey = apm_survey(T + 2)
    submit(survey, invitations_of(survey))
    with django_capture_on_commit_callbacks(execute=True):
        close(survey, committee)
    assert (Response.objects.count(), Ballot.objects.count()) == (T + 2, 0)


def test_the_hourly_schedule_mixes_open_surveys_and_seals_closed_ones(
    apm_survey, committee, make_pair
):
    survey = apm_survey(2 * T)
    submit(survey, invitations_of(survey))  # as if every mix task was lost
    assert tasks.run_survey_schedule()["mixed"] == 1
    assert (Response.objects.count(), Ballot.objects.count()) == (T, T)
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())  # closes by time
    report = tasks.run_survey_schedule()
    assert (report["mixed"], report["sealed"]) == (0, 1)
    assert (Response.objects.count(), Ballot.objects.count()) == (2 * T, 0)
    assert tasks.run_survey_schedule()["sealed"] == 0


def test_a_submission_after_closing_is_refused_and_leaves_no_ballot(apm_survey, committee):
    survey = apm_survey(1)
    (invitation,) = invitations_of(survey)
    close(survey, committee)
    with pytest.raises(ValidationError, match="closed"):
        services.response_submit(invitation=invitation, answers=answers_for(survey))
    assert not Ballot.objects.exists()


# --- Keys and damage ----------------------------------------------------------------


def test_rotating_secret_key_with_the_old_one_as_a_fallback_loses_nothing(apm_survey, settings):
    survey = apm_survey(2)
    submit(survey, invitations_of(survey), text="sealed with the old key")
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-" + "k" * 50
    settings.SECRET_KEY_FALLBACKS = [old]
    assert mix(survey) == 2
    assert Answer.objects.filter(text="sealed with the old key").count() == 2


def test_a_ballot_no_key_opens_is_kept_and_logged_and_the_rest_are_mixed(
    apm_survey, committee, settings, caplog
):
    survey = apm_survey(3)
    first, *others = invitations_of(survey)
    original = settings.SECRET_KEY
    settings.SECRET_KEY = "a-key-since-lost-" + "z" * 40
    submit(survey, [first], text="from the lost key")
    settings.SECRET_KEY = original
    submit(survey, others)
    Ballot.objects.create(survey=survey, sealed="not a token at all")  # damaged
    close(survey, committee)
    with caplog.at_level(logging.ERROR, logger="surveys.services.mixing"):
        assert services.survey_seal_responses(survey_id=survey.pk)
    assert Response.objects.count() == 2
    assert Ballot.objects.count() == 2  # never deleted: not lost
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert "could not be decrypted with SECRET_KEY" in errors[0].getMessage()
    assert "from the lost key" not in caplog.text
    # The hourly schedule tries again; nothing new can be mixed, so nothing is rewritten.
    assert tasks.run_survey_schedule()["sealed"] == 1
    assert not services.survey_seal_responses(survey_id=survey.pk)
    # The key comes back as a fallback: its ballot is mixed, and the survey sealed again.
    settings.SECRET_KEY_FALLBACKS = ["a-key-since-lost-" + "z" * 40]
    assert services.survey_seal_responses(survey_id=survey.pk)
    assert Answer.objects.filter(text="from the lost key").count() == 1
    assert Ballot.objects.count() == 1  # the damaged one, still kept


def test_a_ballot_whose_business_unit_was_deleted_is_mixed_without_it(apm_survey):
    survey = apm_survey(1)
    payload = {"role": "apm", "business_unit": 999_999, "asked": [], "answers": {}}
    Ballot.objects.create(survey=survey, sealed=ballots.encrypt(payload, length=1024))
    assert mix(survey) == 1
    assert Response.objects.get().business_unit_id is None


# --- Crashes, double submits, attributed surveys -------------------------------------


def test_a_mix_that_breaks_midway_leaves_every_ballot_and_no_response(apm_survey, monkeypatch):
    survey = apm_survey(2 * T)
    submit(survey, invitations_of(survey))
    midway = []

    def break_midway(rows, **kwargs):
        midway.append((Response.objects.count(), Ballot.objects.count()))
        raise OSError(LOST)

    monkeypatch.setattr(Answer.objects, "bulk_create", break_midway)
    with pytest.raises(OSError, match=LOST):
        services.ballots_mix(survey_id=survey.pk)
    assert midway == [(T, 2 * T)]  # responses written, answers and deletions not yet
    assert (Response.objects.count(), Ballot.objects.count()) == (0, 2 * T)

    monkeypatch.undo()
    assert tasks.mix_survey_ballots(survey.pk) == T  # the task's next run
    assert (Response.objects.count(), Ballot.objects.count()) == (T, T)


def test_sealing_that_breaks_after_mixing_rolls_the_mix_back_too(
    apm_survey, committee, monkeypatch
):
    survey = apm_survey(3)
    submit(survey, invitations_of(survey))
    close(survey, committee)
    real = Answer.objects.bulk_create
    calls = []

    def break_the_rewrite(rows, **kwargs):
        calls.append(len(rows))
        if len(calls) == 2:  # the first is the mix, the second the rewrite
            raise OSError(LOST)
        return real(rows, **kwargs)

    monkeypatch.setattr(Answer.objects, "bulk_create", break_the_rewrite)
    with pytest.raises(OSError, match=LOST):
        services.survey_seal_responses(survey_id=survey.pk)
    survey.refresh_from_db()
    assert survey.sealed_at is None
    assert (Response.objects.count(), Ballot.objects.count()) == (0, 3)


def test_a_second_submission_is_refused_and_writes_no_second_ballot(apm_survey):
    survey = apm_survey(1)
    (invitation,) = invitations_of(survey)
    stale = Invitation.objects.get(pk=invitation.pk)
    services.response_submit(invitation=invitation, answers=answers_for(survey))
    for again in (invitation, stale):
        with pytest.raises(ValidationError) as error:
            services.response_submit(invitation=again, answers=answers_for(survey))
        assert error.value.messages == [services.ALREADY_ANSWERED]
    assert Ballot.objects.count() == 1


def test_attributed_surveys_still_write_their_response_at_once(
    make_pair, open_survey, django_capture_on_commit_callbacks
):
    pair = make_pair()
    survey = open_survey(is_anonymous=False)
    invitation = Invitation.objects.get(survey=survey, user=pair.apm.user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = services.response_submit(
            invitation=invitation, answers=answers_for(survey, text="Named")
        )
    assert callbacks == []  # no mix queued
    assert isinstance(response, Response)
    assert (response.user, response.submitted_on) == (pair.apm.user, timezone.localdate())
    assert Answer.objects.get(response=response, text__gt="").text == "Named"
    assert not Ballot.objects.exists()
    assert services.ballots_mix(survey_id=survey.pk, final=True) == 0
