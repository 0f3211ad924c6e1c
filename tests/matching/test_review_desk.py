"""The committee's review desk (issue 14, part 3): a card per proposed pair, decided one
at a time, swapped to an alternative (checked again), or approved all at once."""

import re
from collections import Counter

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from matching import services
from matching.engine import Weights
from matching.models import Match, MatchingRun, Proposal
from mentorship.common import changes
from mentorship.models import AuditLog, Enrollment, Profile, User
from tests.factories import UserFactory
from tests.toolkit.shape import plans_during

pytestmark = pytest.mark.django_db

DESK = reverse("admin:matching_proposal_desk")
HOSTILE = '<img src=x onerror="alert(1)"> Ann'


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


@pytest.fixture
def run(cohort, committee, make_apm, make_mentor):
    make_apm(user__full_name=HOSTILE)
    make_apm(user__full_name="Ben Apm")
    make_apm(user__full_name="Cy Apm", topics=())
    for name in ("Mo One", "Mae Two", "Max Three"):
        make_mentor(capacity=2, user__full_name=name)
    run = services.run_request(
        cohort=cohort, acting_user=committee, weights={**Weights().as_dict(), "time_zone": 5}
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def desk(client, **query):
    return client.get(DESK, query)


def act(client, **data):
    return client.post(f"{DESK}?run={data.get('run', '')}", data, follow=True)


def test_each_waiting_proposal_is_a_card_with_both_people_the_parts_and_alternatives(
    run, committee_client
):
    html = desk(committee_client, run=run.pk).content.decode()

    proposals = Proposal.objects.filter(run=run)
    assert html.count('<li class="desk-card') == proposals.count() == 3
    assert escape(HOSTILE) in html
    assert HOSTILE not in html
    for proposal in proposals.select_related("apm__user", "mentor__user"):
        assert f'id="card-{proposal.pk}"' in html
        assert f"<h3>Mentor: {proposal.mentor.user.display_name}</h3>" in html
        assert len(proposal.alternatives) == 2  # the two other mentors, best first
    # A swap button for each alternative with room (two places, fewer proposals).
    taken = Counter(proposals.values_list("mentor", flat=True))
    for proposal in proposals:
        for mentor_id, _ in proposal.alternatives:
            button = (
                f'name="proposal" value="{proposal.pk}"><input type="hidden" name="mentor" '
                f'value="{mentor_id}"'
            )
            assert (button in html) == (taken[mentor_id] < 2)
    assert "<mark>Career growth" in html  # the interest both chose
    assert 'class="stacked-bar" role="img" aria-label="Score ' in html
    assert re.search(r"of 5</li>", html)  # the run's own weights: time zone at 5
    assert "Approve all 3 waiting proposals of this run" in html


def test_approving_one_card_makes_the_match_and_comes_back_to_the_desk(
    run, committee_client, committee
):
    proposal = Proposal.objects.filter(run=run).select_related("apm__user").first()

    response = act(committee_client, run=run.pk, action="approve", proposal=proposal.pk)

    assert response.redirect_chain[-1][0] == f"{DESK}?run={run.pk}"
    assert Match.objects.filter(proposal=proposal, status=Match.Status.ACTIVE).exists()
    assert "Approved " in response.content.decode()
    assert response.content.decode().count('<li class="desk-card') == 2
    assert AuditLog.objects.filter(actor=committee, action="matching.proposal_approved").exists()


def test_rejecting_one_card(run, committee_client):
    proposal = Proposal.objects.filter(run=run).first()

    act(committee_client, run=run.pk, action="reject", proposal=proposal.pk)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED
    assert not Match.objects.exists()


def test_swapping_to_an_alternative_checks_it_and_proposes_the_new_pair(
    run, committee_client, committee
):
    taken = Counter(Proposal.objects.filter(run=run).values_list("mentor", flat=True))
    proposal, (other_id, other_score) = next(
        (p, alt) for p in Proposal.objects.filter(run=run) for alt in p.alternatives
        if taken[alt[0]] < 2
    )  # fmt: skip

    response = act(
        committee_client, run=run.pk, action="swap", proposal=proposal.pk, mentor=other_id
    )

    swapped = Proposal.objects.get(pk=proposal.pk)
    assert (swapped.status, swapped.mentor_id) == (Proposal.Status.PROPOSED, other_id)
    assert swapped.score == pytest.approx(other_score)  # scored with the run's weights
    assert [proposal.mentor_id, proposal.score] in swapped.alternatives  # the old one
    assert other_id not in [pk for pk, _ in swapped.alternatives]
    assert swapped.reasons
    assert "Now proposed:" in response.content.decode()
    swap = AuditLog.objects.get(action="matching.proposal_swapped")
    assert (swap.actor, swap.target) == (committee, f"matching.proposal:{swapped.pk}")
    assert swap.details["from_score"] == proposal.score


def test_a_swap_to_a_mentor_without_room_or_against_a_rule_is_refused_with_the_reason(
    run, committee_client, make_apm, make_mentor, units
):
    # Two proposals name the same mentor (capacity 2): a third cannot swap to them.
    busiest = (
        Proposal.objects.filter(run=run).values("mentor").annotate(n=Count("pk")).order_by("-n")
    )[0]
    assert busiest["n"] == 2
    proposal = Proposal.objects.filter(run=run).exclude(mentor=busiest["mentor"]).get()
    full = Enrollment.objects.select_related("user").get(pk=busiest["mentor"])
    team = proposal.apm.user.profile.team
    teammate = make_mentor(capacity=2, team=team, user__full_name="Team Mate")
    before = set(Proposal.objects.values_list("pk", "status"))

    no_room = act(committee_client, run=run.pk, action="swap", proposal=proposal.pk,
                  mentor=full.pk).content.decode()  # fmt: skip
    same_team = act(committee_client, run=run.pk, action="swap", proposal=proposal.pk,
                    mentor=teammate.pk).content.decode()  # fmt: skip

    assert escape(f"{full.user.display_name} has no free place: 2 of 2") in no_room
    assert "may not be proposed together" in same_team
    assert set(Proposal.objects.values_list("pk", "status")) == before
    assert not AuditLog.objects.filter(action="matching.proposal_swapped").exists()


def test_approve_all_approves_every_waiting_proposal_of_the_run(run, committee_client):
    response = act(committee_client, run=run.pk, action="approve_all")

    assert Match.objects.filter(status=Match.Status.ACTIVE).count() == 3
    assert not Proposal.objects.filter(status=Proposal.Status.PROPOSED).exists()
    assert "Every proposal of this run has been decided." in response.content.decode()


def test_filters_narrow_the_cards_and_bad_values_are_left_out(run, committee_client, units):
    everyone = desk(committee_client, run=run.pk).content.decode().count('<li class="desk-card')
    low = (
        desk(committee_client, run=run.pk, band="low")
        .content.decode()
        .count('<li class="desk-card')
    )
    assert everyone == 3
    assert low <= everyone
    other_unit = desk(committee_client, run=run.pk, unit=units[1].pk).content.decode()
    assert other_unit.count('<li class="desk-card') == 0  # every APM is in units[0]
    assert "No card matches these filters." in other_unit
    for junk in ({"unit": "abc"}, {"band": "<b>"}, {"page": "zz"}, {"run": "-1"},
                 {"look": "yes"}, {"run": "9" * 30}, {"run": "²"}, {"unit": "٣"}):  # fmt: skip
        response = desk(committee_client, **{"run": run.pk, **junk})
        assert response.status_code == 200


def test_needs_a_look_lists_low_scores_and_close_alternatives(run, committee_client):
    Proposal.objects.filter(run=run).update(next_best_score=None)
    first = Proposal.objects.filter(run=run).order_by("pk").first()
    Proposal.objects.filter(pk=first.pk).update(next_best_score=first.score - 1)

    html = desk(committee_client, run=run.pk, look="1").content.decode()

    low = Proposal.objects.filter(run=run, score__lt=0.5 * 90).count()
    assert html.count('<li class="desk-card') == 1 + low
    assert f'id="card-{first.pk}"' in html
    assert "needs a look</span>" in html


def test_a_second_run_says_who_got_a_different_mentor_and_why(
    run, cohort, committee, committee_client
):
    second = services.run_request(
        cohort=cohort, acting_user=committee,
        weights={**Weights().as_dict(), "shared_interests": 0, "time_zone": 0},
    )  # fmt: skip
    services.run_execute(run_id=second.pk)
    before = dict(Proposal.objects.filter(run=run).values_list("apm", "mentor"))
    after = dict(Proposal.objects.filter(run=second).values_list("apm", "mentor"))
    changed = [apm for apm in after if before.get(apm) != after[apm]]

    html = desk(committee_client, run=second.pk).content.decode()

    assert f"Since run #{run.pk}, {len(changed)} APM" in html
    assert html.count("Changed since run #") == len(changed)
    run_page = committee_client.get(
        reverse("admin:matching_matchingrun_change", args=[second.pk])
    ).content.decode()
    assert re.search(
        rf"Since run #{run.pk}</th><td>{len(changed)} APMs? got a different", run_page
    )


def test_people_who_may_only_look_see_no_buttons_and_cannot_post(run, client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_proposal"))
    client.force_login(viewer)
    proposal = Proposal.objects.filter(run=run).first()

    html = desk(client, run=run.pk).content.decode()
    refused = client.post(DESK, {"action": "approve", "proposal": proposal.pk})

    assert html.count('<li class="desk-card') == 3
    assert '<form method="post"' not in html
    assert refused.status_code == 403
    assert not Match.objects.exists()


def test_anything_else_posted_changes_nothing_and_says_so(run, committee_client):
    proposal = Proposal.objects.filter(run=run).first()
    for data in ({"action": "delete", "proposal": proposal.pk},
                 {"action": "approve", "proposal": "abc"},
                 {"action": "approve", "proposal": "²"},
                 {"action": "swap", "proposal": proposal.pk, "mentor": "x"},
                 {"action": "approve_all", "run": "nope"}):  # fmt: skip
        response = act(committee_client, **data)
        assert response.status_code == 200
        assert 'class="danger"' in response.content.decode()
    assert set(Proposal.objects.values_list("status", flat=True)) == {"proposed"}


def test_a_page_of_cards_costs_the_same_queries_for_three_pairs_or_ten(
    cohort, committee, committee_client, make_apm, make_mentor
):
    def cards_after_a_run(apms):
        for _ in range(apms):
            make_apm()
            make_mentor(capacity=1)
        MatchingRun.objects.update(status=MatchingRun.Status.FAILED)
        run = services.run_request(cohort=cohort, acting_user=committee)
        services.run_execute(run_id=run.pk)
        desk(committee_client, run=run.pk)
        with CaptureQueriesContext(connection) as queries:
            html = desk(committee_client, run=run.pk).content.decode()
        return html.count('<li class="desk-card'), len(queries)

    few, few_queries = cards_after_a_run(3)
    many, many_queries = cards_after_a_run(7)
    assert (few, many) == (3, 10)
    assert many_queries == few_queries


def test_proposals_runs_and_matches_cannot_be_deleted_by_the_committee(committee):
    request = RequestFactory().get("/admin/")
    request.user = committee
    for model in (Proposal, MatchingRun, Match):
        assert not admin.site._registry[model].has_delete_permission(request)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN is PostgreSQL's")
def test_the_desk_reads_its_cards_in_name_order_from_an_index_and_no_table_whole(
    cohort, committee, committee_client, make_apm, make_mentor
):
    for number in range(24):
        make_apm(user__full_name=f"Apm {number:02}")
    for number in range(14):
        make_mentor(capacity=2, user__full_name=f"Mentor {number:02}")
    for weights in (Weights().as_dict(), {**Weights().as_dict(), "shared_interests": 0}):
        run = services.run_request(cohort=cohort, acting_user=committee, weights=weights)
        services.run_execute(run_id=run.pk)
    changes.mark_changed()  # as the worker does: the run's figures are counted afresh
    large = {m._meta.db_table for m in (Proposal, Enrollment, User, Profile, Match)}

    plans = plans_during(
        lambda: desk(committee_client, run=run.pk, page=2), priced_out=("seqscan", "sort")
    )

    read = [(sql, plan) for sql, plan in plans if "matching_proposal" in sql]
    assert len(read) >= 5  # the figures, the page of cards, the cards' mentors
    for sql, plan in read:
        assert not set(re.findall(r"Seq Scan on (\w+)", plan)) & large, (sql, plan)
        assert "SubPlan" not in plan, (sql, plan)  # no subquery per proposal
    (page,) = [plan for sql, plan in read if 'ORDER BY "mentorship_user"."full_name"' in sql]
    # The cards come in name order from an index: no sort of every waiting proposal.
    assert not re.search(r"(^|-> +)Sort ", page, re.MULTILINE), page
