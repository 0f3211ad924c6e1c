"""The run page is never stale (issue 14, part 2): one panel, drawn from the run as it is
now, polled while the run is queued or running; once done it shows the result, the
weights, the spread of scores, and each APM it could not match with links that fix it."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from matching import selectors, services
from matching.engine import Weights
from matching.models import BannedPair, MatchingRun, UnmatchedApm
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<b onmouseover="x">Bold</b> & co'


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


def page_of(client, run):
    return client.get(reverse("admin:matching_matchingrun_change", args=[run.pk])).content.decode()


def status_of(client, run):
    return client.get(reverse("admin:matching_matchingrun_status", args=[run.pk])).content.decode()


@pytest.fixture
def stuck_apm_run(cohort, committee, make_apm, make_mentor, units):
    """A3 cannot be matched: the one mentor with room (M2) is banned for them, and
    the other (M1) is full with A1, who is on M2's team."""
    team = TeamFactory(name="Platform", business_unit=units[1])
    m1 = make_mentor(capacity=1, user__full_name="Mina One")
    m2 = make_mentor(capacity=1, team=team, user__full_name="Milo Two")
    make_apm(team=team, user__full_name="Ada One")
    a3 = make_apm(user__full_name=HOSTILE, topics=())  # scores less with M1 than A1 does
    services.banned_pair_create(
        apm_user=a3.user, mentor_user=m2.user, reason="Said <no> in 2025", acting_user=committee
    )
    run = services.run_request(cohort=cohort, acting_user=committee)
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run, a3, m1, m2


def test_a_queued_run_polls_and_says_so_in_its_live_status_line(cohort, committee_client):
    run = MatchingRun.objects.create(cohort=cohort)

    page = page_of(committee_client, run)
    status = status_of(committee_client, run)

    assert re.search(
        r'<p id="run-status" class="run-status" role="status">\s*<strong>Queued', page
    )
    for html in (page, status):
        assert f'hx-get="{reverse("admin:matching_matchingrun_status", args=[run.pk])}"' in html
        assert "<progress" in html
    assert "Refresh this page" in page  # for a browser without scripts
    # The fragment updates the live line in place, so that it is announced.
    assert re.search(r'<p id="run-status" hx-swap-oob="innerHTML">\s*<strong>Queued', status)


def test_a_finished_run_shows_its_result_weights_and_scores_and_stops_polling(
    cohort, committee, committee_client, make_apm, make_mentor
):
    for _ in range(3):
        make_apm()
    make_mentor(capacity=3)
    run = services.run_request(
        cohort=cohort, acting_user=committee, weights={**Weights().as_dict(), "time_zone": 5}
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()

    html = page_of(committee_client, run)
    # Named without a status that would go stale: the live line says it.
    assert f"<h2>Run #{run.pk} for {cohort.name}</h2>" in html
    assert "(Queued)" not in html
    assert "(Succeeded)" not in html
    for html in (page_of(committee_client, run), status_of(committee_client, run)):
        assert "hx-get" not in html
        assert "<strong>Finished.</strong> 3 of 3 APMs have a proposed mentor." in html
        assert "Proven optimal" in html
        assert re.search(r"1 round of solving over \d+ candidate pairs", html)
        assert re.search(r"Time-zone overlap</th><td[^>]*>5</td>", html)  # the run's weights
        assert re.search(r"Most a pair can score</th><td[^>]*>90</td>", html)
        assert '<svg class="survey-chart" role="img"' in html
        assert "Scores of the 3 pairs proposed" in html
        assert html.count('<tr><th scope="row">') >= 10
        assert "None: every APM in the cohort has a proposed mentor." in html
        assert f"?run__id__exact={run.pk}" in html  # the ways to the review
        assert f"{reverse('admin:matching_proposal_desk')}?run={run.pk}" in html
    averages = run.stats["scores"]["part_averages"]
    assert set(averages) == set(Weights().as_dict())
    assert sum(band["count"] for band in run.stats["scores"]["bands"]) == 3


def test_each_apm_it_could_not_match_comes_with_links_that_fix_it(stuck_apm_run, committee_client):
    run, a3, m1, m2 = stuck_apm_run
    assert (run.matched_count, run.unmatched_count) == (1, 1)
    unmatched = UnmatchedApm.objects.get(run=run)
    assert unmatched.apm == a3
    assert [pk for pk, _ in unmatched.allowed_mentors] == [m1.pk]
    assert unmatched.banned_mentors == [m2.pk]
    ban = BannedPair.objects.get(apm_user=a3.user, mentor_user=m2.user)

    html = page_of(committee_client, run)

    assert escape(HOSTILE) in html
    assert HOSTILE not in html
    assert escape(unmatched.reason) in html
    hand_match = reverse("admin:matching_match_add") + f"?apm={a3.pk}&amp;mentor={m1.pk}"
    assert f'href="{hand_match}">Hand-match with Mina One</a>' in html
    raise_capacity = reverse("admin:mentorship_enrollment_change", args=[m1.pk])
    assert f'href="{raise_capacity}">Raise the capacity of Mina One</a> (takes 1 now)' in html
    lift = reverse("admin:matching_bannedpair_delete", args=[ban.pk])
    assert f'href="{lift}">Lift the ban on Milo Two</a>' in html
    assert escape("Said <no> in 2025") in html


def test_the_hand_match_link_opens_the_form_with_both_people_chosen(
    stuck_apm_run, committee_client
):
    _, a3, m1, _ = stuck_apm_run
    url = reverse("admin:matching_match_add") + f"?apm={a3.pk}&mentor={m1.pk}"

    form = committee_client.get(url).context["form"]

    assert (form.initial["apm"], form.initial["mentor"]) == (a3.pk, m1.pk)


def test_links_the_committee_member_may_not_follow_are_not_shown(stuck_apm_run, client):
    run, *_ = stuck_apm_run
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_matchingrun"))
    client.force_login(viewer)

    html = page_of(client, run)

    assert "APMs this run could not match" in html
    assert "Raise the capacity of Mina One, who may be matched" in html  # the fix, in words
    assert "Hand-match with" not in html
    assert ">Raise the capacity" not in html
    assert ">Lift the ban" not in html


def test_the_page_costs_the_same_queries_for_one_unmatched_apm_or_many(
    stuck_apm_run, committee_client, make_apm, make_mentor
):
    run, _, m1, m2 = stuck_apm_run
    page_of(committee_client, run)  # warm the per-person copies
    with CaptureQueriesContext(connection) as one:
        page_of(committee_client, run)
    for _ in range(6):
        apm, mentor = make_apm(), make_mentor()
        UnmatchedApm.objects.create(
            run=run, apm=apm, code="all_eligible_full", reason="Full.", fix="Raise it.",
            allowed_mentors=[[mentor.pk, 50.0], [m1.pk, 40.0]], banned_mentors=[m2.pk],
        )  # fmt: skip
    run.unmatched_count = 7
    run.save(update_fields=["unmatched_count"])
    with CaptureQueriesContext(connection) as many:
        html = page_of(committee_client, run)
    assert html.count("Hand-match with another mentor") == 7
    assert len(many) == len(one)


def test_many_unmatched_apms_come_a_page_at_a_time(
    stuck_apm_run, committee_client, make_apm, monkeypatch
):
    monkeypatch.setattr(selectors, "UNMATCHED_PER_PAGE", 2)
    run, *_ = stuck_apm_run
    for name in ("Zed Late", "Yan Later"):
        UnmatchedApm.objects.create(
            run=run, apm=make_apm(user__full_name=name), code="no_mentors", reason="None."
        )
    url = reverse("admin:matching_matchingrun_change", args=[run.pk])

    first = committee_client.get(url).content.decode()
    second = committee_client.get(url, {"unmatched": "2"}).content.decode()
    junk = committee_client.get(url, {"unmatched": "<b>"})

    assert escape(HOSTILE) in first
    assert "Zed Late" in first
    assert "Yan Later" not in first
    assert "1 to 2 of 3." in first
    assert 'href="?unmatched=2#unmatched">Next 2</a>' in first
    assert "Yan Later" in second
    assert "Zed Late" not in second
    assert junk.status_code == 200  # a page that is not a number shows the first


def test_stored_fix_data_of_an_odd_shape_is_left_out_not_a_server_error(
    stuck_apm_run, committee_client
):
    run, *_ = stuck_apm_run
    UnmatchedApm.objects.filter(run=run).update(
        allowed_mentors=[["1", 2], [None], 5, [999_999, 1.0]], banned_mentors={"x": 1}
    )
    run.stats = {**run.stats, "scores": "nonsense", "gap": [1]}
    run.save(update_fields=["stats"])

    response = committee_client.get(reverse("admin:matching_matchingrun_change", args=[run.pk]))

    assert response.status_code == 200
    assert "Hand-match with another mentor" in response.content.decode()


def test_the_running_status_says_how_long_it_has_run(cohort, committee_client):
    run = MatchingRun.objects.create(
        cohort=cohort,
        status=MatchingRun.Status.RUNNING,
        started_at=timezone.now() - timezone.timedelta(seconds=42),
    )

    assert "<strong>Running</strong> for 42 s" in status_of(committee_client, run)
