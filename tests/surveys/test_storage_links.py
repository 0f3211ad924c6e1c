"""What PostgreSQL itself records cannot tie an anonymous response to its invitation.

Transaction ids (``xmin``), commit order, sequences, time columns and row positions
(``ctid``) are read straight from the tables, as someone holding a backup would.
``surveys.ballots`` gives the argument these tests check.
"""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys import services
from surveys.models import Answer, Ballot, Invitation, Response, privacy_threshold
from surveys.services import mixing
from tests.surveys.conftest import answers_for, close, mix, question

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="transaction ids (xmin), row positions (ctid) and sequences are PostgreSQL's; "
    "CI runs these on PostgreSQL",
)
PEOPLE = 20
TABLES = ("surveys_response", "surveys_answer", "surveys_ballot")
SECRET = "My manager belittles me in meetings"


def rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def invitation_xmins(survey) -> set[str]:
    return {x for (x,) in rows("SELECT xmin::text FROM surveys_invitation WHERE survey_id = %s",
                               [survey.pk])}  # fmt: skip


def response_xmins(survey) -> list[tuple[str, str, int | None]]:
    return rows(
        "SELECT xmin::text, role, business_unit_id FROM surveys_response WHERE survey_id = %s",
        [survey.pk],
    )


def answer_xmins(survey) -> set[str]:
    return {x for (x,) in rows(
        "SELECT a.xmin::text FROM surveys_answer a JOIN surveys_response r "
        "ON r.id = a.response_id WHERE r.survey_id = %s", [survey.pk])}  # fmt: skip


def submit_all_at_once(survey, invitations) -> list[int]:
    """Each person posts their answers in their own thread and transaction, together."""
    barrier = threading.Barrier(len(invitations))
    url = reverse("surveys:submit", args=[survey.pk])
    statuses = []

    def post(invitation, turn):
        try:
            client = Client()
            client.force_login(invitation.user)
            data = {f"q_{k}": v for k, v in answers_for(survey, text=f"person {turn}").items()}
            barrier.wait(timeout=20)
            response = client.post(url, data)
            statuses.append((response.status_code, response.get("Location")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(invitation, turn))
               for turn, invitation in enumerate(invitations)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_twenty_people_answering_at_once_share_no_transaction_with_their_responses(
    make_pair, open_survey, committee
):
    for _ in range(PEOPLE // 2):
        make_pair()  # ten APMs in one business unit, ten mentors in another
    survey = open_survey()
    invitations = list(Invitation.objects.filter(survey=survey).select_related("user"))
    assert len(invitations) == PEOPLE
    threshold = privacy_threshold()

    # Every answer commits with its claim; each commit queues the mixer, which runs
    # here and now (eager tasks) in the thread that answered.
    statuses = submit_all_at_once(survey, invitations)
    assert statuses == [(302, reverse("home"))] * PEOPLE
    assert Invitation.objects.filter(survey=survey, completed_on__isnull=False).count() == PEOPLE
    claims = invitation_xmins(survey)
    assert len(claims) == PEOPLE  # one transaction per person

    # While the survey is open: what is readable came in batches, none of them a claim.
    written = response_xmins(survey)
    assert Response.objects.count() + Ballot.objects.count() == PEOPLE
    assert written, "the mixer wrote a batch while the survey was open"
    assert not {xmin for xmin, _, _ in written} & claims
    assert not answer_xmins(survey) & claims
    for xmin in {xmin for xmin, _, _ in written}:
        batch = [(role, unit) for x, role, unit in written if x == xmin]
        # Every kind in a batch has at least the threshold: the batch is no smaller a
        # group than the results would show.
        for kind in set(batch):
            assert batch.count(kind) >= threshold, (xmin, kind)
    # Commit order: responses do not come one transaction per person, so ordering them
    # by xmin orders batches, not people.
    assert len({xmin for xmin, _, _ in written}) <= len(written) // threshold
    # The one link left is the ballot's: it shares the claim's transaction (so no answer
    # can be lost or given twice) and holds nothing readable.
    ballot_xmins = {x for (x,) in rows("SELECT xmin::text FROM surveys_ballot")}
    assert ballot_xmins <= claims
    assert not rows("SELECT 1 FROM surveys_ballot b WHERE b::text LIKE %s", ["%person %"])

    # The survey closes; its seal task (queued on commit, eager here) mixes the rest.
    close(survey, committee)
    assert not Ballot.objects.exists()
    assert Response.objects.filter(survey=survey).count() == PEOPLE
    texts = sorted(Answer.objects.filter(question=question(survey, "text"))
                   .values_list("text", flat=True))  # fmt: skip
    assert texts == sorted(f"person {turn}" for turn in range(PEOPLE))  # each exactly once
    written = response_xmins(survey)
    assert not {xmin for xmin, _, _ in written} & claims
    assert not answer_xmins(survey) & claims
    assert len({xmin for xmin, _, _ in written}) == 1  # sealing rewrote them together


@pytest.mark.django_db
def test_responses_answers_and_ballots_have_no_sequence_and_no_time_column():
    columns = rows(
        "SELECT table_name, column_name, column_default, is_identity, data_type "
        "FROM information_schema.columns WHERE table_name IN %s",
        [TABLES],
    )
    assert {table for table, *_ in columns} == set(TABLES)
    for table, column, default, identity, _ in columns:
        assert identity == "NO", (table, column)
        assert not (default or "").startswith("nextval"), (table, column)
        (serial,) = rows("SELECT pg_get_serial_sequence(%s, %s)", [table, column])[0]
        assert serial is None, (table, column)
    timed = [(table, column) for table, column, *_, kind in columns
             if "time" in kind or kind == "date"]  # fmt: skip
    assert timed == [("surveys_response", "submitted_on")]  # attributed surveys only


@pytest.mark.django_db
def test_a_waiting_ballot_and_a_draft_hold_nothing_readable_in_their_rows(make_pair, open_survey):
    for _ in range(2):
        make_pair()
    survey = open_survey()
    text = question(survey, "text")
    first, second, third, _ = Invitation.objects.filter(survey=survey)
    services.response_submit(invitation=first, answers=answers_for(survey, text=SECRET))
    services.response_submit(invitation=second, answers=answers_for(survey, text="ok"))
    services.invitation_save_draft(invitation=third, answers={text.pk: SECRET + " (draft)"})
    assert Ballot.objects.count() == 2
    whole_rows = "SELECT 1 FROM {} t WHERE t::text ILIKE %s"
    for word in (SECRET, "belittles", "manager"):
        assert not rows(whole_rows.format("surveys_ballot"), [f"%{word}%"])
        assert not rows(whole_rows.format("surveys_invitation"), [f"%{word}%"])
        assert not rows(whole_rows.format("surveys_response"), [f"%{word}%"])
        assert not rows(whole_rows.format("surveys_answer"), [f"%{word}%"])
    # Every ballot of the survey is as long as every other: length tells no answer apart.
    assert len(rows("SELECT DISTINCT octet_length(sealed) FROM surveys_ballot")) == 1
    # Once mixed the answer is readable, in a response that shares nothing with the claim.
    mix(survey)
    assert rows(whole_rows.format("surveys_answer"), [f"%{SECRET}%"])
    assert not rows(whole_rows.format("surveys_invitation"), [f"%{SECRET}%"])


@pytest.mark.django_db
def test_a_batch_is_stored_in_its_shuffled_order_not_the_order_ballots_arrived(
    make_pair, open_survey, monkeypatch
):
    for _ in range(5):
        make_pair()
    survey = open_survey(audience="apms")
    arrived = list(Invitation.objects.filter(survey=survey).order_by("pk"))
    for turn, invitation in enumerate(arrived):
        services.response_submit(
            invitation=invitation, answers=answers_for(survey, text=f"{turn}")
        )
    handed = []

    def reverse(items):  # a known permutation in place of the random one
        handed.append(list(items))
        items.reverse()

    monkeypatch.setattr(mixing, "_shuffle", reverse)
    with CaptureQueriesContext(connection) as queries:
        assert mix(survey) == len(arrived)
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "surveys_response"')]
    assert len(inserts) == 1  # the whole batch in one statement
    responses, _answers = handed
    in_ctid_order = "SELECT id FROM surveys_response WHERE survey_id = %s ORDER BY ctid"
    stored = [pk for (pk,) in rows(in_ctid_order, [survey.pk])]
    assert stored == [response.pk for response in reversed(responses)]
    # The order the ballots were read in (their arrival, here) is not the stored one.
    turn_of = dict(Answer.objects.filter(question=question(survey, "text"))
                   .values_list("response_id", "text"))  # fmt: skip
    assert [turn_of[pk] for pk in stored] != [str(turn) for turn in range(len(arrived))]
