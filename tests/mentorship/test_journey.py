"""The committee's journey page, checked against figures worked out by hand.

The cohort below has five APMs, each stopped at a different step (days before today):

    person  intake  matched  first meeting  promoted  graduated  became a mentor
    Ada       60       —          —             —         —            —
    Ben       60      50          —             —         —            —
    Cal       60      50         40             —         —            —
    Dee       60      45         41            30         —            —
    Eve       60      50         46            20        10            5
"""

import re
from datetime import datetime, time, timedelta
from html import unescape
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from matching import meetings
from matching import services as matching_services
from matching.models import Match
from mentorship import graduation, journey
from mentorship.journey import tasks
from mentorship.models import (
    AuditLog,
    Cohort,
    Enrollment,
    GraduationGuide,
    JourneyRow,
    JourneySnapshot,
    Notification,
    NotificationPreference,
    Role,
)
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(active_cohort):
    """Pairs meet in a cohort whose intake has closed."""
    return active_cohort


URL = reverse("journey")


def today():
    return timezone.localdate()


def at_noon(days_ago):
    return timezone.make_aware(datetime.combine(today() - timedelta(days=days_ago), time(12)))


def day(days_ago):
    return today() - timedelta(days=days_ago)


@pytest.fixture
def people(cohort, committee, make_apm, make_mentor):
    mentors = [make_mentor(capacity=3), make_mentor(capacity=3)]
    made = {}
    plan = {
        "Ada": {},
        "Ben": {"matched": 50},
        "Cal": {"matched": 50, "met": 40},
        "Dee": {"matched": 45, "met": 41, "promoted": 30},
        "Eve": {"matched": 50, "met": 46, "promoted": 20, "graduated": 10, "mentor": 5},
    }
    for index, (name, steps) in enumerate(plan.items()):
        apm = make_apm(user__full_name=f"{name} Apm", submitted_at=at_noon(60))
        made[name] = apm
        if "matched" not in steps:
            continue
        match = matching_services.match_create_by_hand(
            apm=apm, mentor=mentors[index % 2], acting_user=committee
        )
        Match.objects.filter(pk=match.pk).update(created_at=at_noon(steps["matched"]))
        if "met" in steps:
            meetings.meeting_log(
                match=match, logged_by=apm.user, occurred_on=day(steps["met"]),
                duration_minutes=30, topics=[],
            )  # fmt: skip
        if "promoted" in steps:
            graduation.promotion_record(
                user=apm.user, from_title="APM", to_title="PM",
                promoted_on=day(steps["promoted"]), acting_user=committee,
            )  # fmt: skip
        if "graduated" in steps:
            graduation.apm_graduate(match=match, acting_user=committee)
            GraduationGuide.objects.filter(apm_enrollment=apm).update(
                created_at=at_noon(steps["graduated"]), full_circle_at=at_noon(steps["mentor"])
            )
    return made


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    return client


def page_links(html):
    """(query, anchor) of each link in the page navigation of ``html``."""
    links = re.findall(r'class="page-link" href="\?([^"#]*)#([^"]*)"', html)
    return [(dict(parse_qsl(unescape(query))), anchor) for query, anchor in links]


def figures(funnel):
    return {step.code: step for step in funnel.steps}


def stalled_names(cohort, *, days):
    """Step → the names stalled there, as the page reads them (from a fresh snapshot)."""
    journey.snapshot_build(cohort=cohort)
    return {
        step.code: [p.name for p in step.stalled_page] if step.stalled_page else []
        for step in journey.journey_page(cohort=cohort, days=days).steps
    }


class TestFunnelFigures:
    def test_each_step_counts_the_people_who_reached_it_and_their_share_of_intake(
        self, cohort, people
    ):
        steps = figures(journey.cohort_funnel(cohort=cohort))
        counts = {code: (step.count, step.share) for code, step in steps.items()}
        assert counts == {
            "intake": (5, 100),
            "matched": (4, 80),
            "first_meeting": (3, 60),
            "survey": (0, 0),
            "promoted": (2, 40),
            "graduated": (1, 20),
            "mentor": (1, 20),
        }

    def test_median_days_run_from_the_nearest_earlier_step_each_person_reached(
        self, cohort, people
    ):
        steps = figures(journey.cohort_funnel(cohort=cohort))
        medians = {code: (step.median_days, step.measured) for code, step in steps.items()}
        assert medians == {
            "intake": (None, 0),
            "matched": (10, 4),  # 10, 10, 15, 10
            "first_meeting": (4, 3),  # 10, 4, 4
            "survey": (None, 0),
            "promoted": (18.5, 2),  # from the first meeting: 11 and 26
            "graduated": (10, 1),
            "mentor": (5, 1),
        }

    def test_people_stall_at_their_furthest_step_after_the_threshold(self, cohort, people):
        stalled = stalled_names(cohort, days=21)
        assert stalled == {
            "intake": ["Ada Apm"],
            "matched": ["Ben Apm"],
            "first_meeting": ["Cal Apm"],
            "survey": [],
            "promoted": ["Dee Apm"],
            "graduated": [],
            "mentor": [],
        }
        later = stalled_names(cohort, days=35)
        assert later["promoted"] == []
        assert later["first_meeting"] == ["Cal Apm"]

    def test_each_stalled_person_gets_the_action_that_moves_them_on(self, cohort, people):
        funnel = journey.cohort_funnel(cohort=cohort)
        actions = {
            person.name.split()[0]: [(a.label, a.url, a.post) for a in person.actions]
            for person in funnel.people
        }
        ada, ben, dee = people["Ada"], people["Ben"], people["Dee"]
        hand_match = f"/admin/matching/match/add/?apm={ada.pk}"
        assert actions["Ada"] == [("Hand-match", hand_match, False)]
        assert actions["Ben"] == [
            ("Remind", reverse("journey_remind", args=[ben.pk]), True),
            ("Rematch", "/admin/matching/match/?" + urlencode({"q": ben.user.email}), False),
        ]
        # Met but no survey answer yet: remind Cal about the survey, or record a promotion.
        assert [a[0] for a in actions["Cal"]] == ["Remind", "Record a promotion"]
        assert actions["Dee"] == [
            ("Graduate", "/admin/matching/match/?" + urlencode({"q": dee.user.email}), False)
        ]
        assert actions["Eve"] == []

    def test_a_later_mentor_enrollment_counts_as_coming_back_only_after_graduating(
        self, cohort, people
    ):
        starts = cohort.program_starts_on + timedelta(days=365)
        later = CohortFactory(program_starts_on=starts, program_ends_on=starts + timedelta(300))
        GraduationGuide.objects.update(full_circle_at=None)
        steps = figures(journey.cohort_funnel(cohort=cohort))
        assert steps["mentor"].count == 0
        for name in ("Eve", "Dee"):  # Dee never graduated: not "coming back"
            EnrollmentFactory(
                user=people[name].user, cohort=later, role=Role.MENTOR, submitted_at=at_noon(3)
            )
        steps = figures(journey.cohort_funnel(cohort=cohort))
        assert steps["mentor"].count == 1
        assert steps["mentor"].median_days == 7  # graduated 10 days ago, mentor intake 3

    def test_withdrawn_apms_and_other_cohorts_are_not_counted(self, cohort, people):
        Enrollment.objects.filter(pk=people["Ada"].pk).update(status=Enrollment.Status.WITHDRAWN)
        EnrollmentFactory(cohort=CohortFactory())
        EnrollmentFactory(cohort=cohort, role=Role.MENTOR)
        assert figures(journey.cohort_funnel(cohort=cohort))["intake"].count == 4

    def test_an_empty_cohort_has_no_shares(self, cohort):
        steps = figures(journey.cohort_funnel(cohort=cohort))
        assert steps["intake"].count == 0
        assert steps["intake"].share is None


class TestSurveyStep:
    def test_a_completed_invitation_counts_as_answered(self, cohort, people):
        from surveys.models import Invitation, Survey

        survey = Survey.objects.create(
            cohort=cohort, title="End of cohort", opens_at=at_noon(40), closes_at=at_noon(1)
        )
        for name, completed in (("Cal", day(35)), ("Ben", None)):
            Invitation.objects.create(
                survey=survey, user=people[name].user, role=Role.APM, completed_on=completed
            )
        steps = figures(journey.cohort_funnel(cohort=cohort))
        assert steps["survey"].count == 1
        assert steps["survey"].median_days == 5  # met 40 days ago, answered 35


class TestJourneyPage:
    def test_the_committee_sees_the_funnel_and_the_stalled_lists(
        self, committee_client, cohort, people
    ):
        response = committee_client.get(URL, {"cohort": cohort.slug, "days": "21"})
        assert response.status_code == 200
        page = response.content.decode()
        assert f"Funnel for {cohort.name}" in page
        assert "Stalled at “Matched” (1)" in page
        assert "Ben Apm" in page
        assert f'href="/admin/matching/match/add/?apm={people["Ada"].pk}"' in page
        assert '<th scope="col">Step</th>' in page
        assert "How these figures are counted" in page

    def test_without_parameters_the_newest_cohort_shows_with_21_days(
        self, committee_client, cohort
    ):
        CohortFactory(program_starts_on=day(200), program_ends_on=day(100))  # an older one
        CohortFactory(
            status=Cohort.Status.DRAFT, program_starts_on=day(-800), program_ends_on=day(-900)
        )
        response = committee_client.get(URL)
        assert response.context["cohort"] == cohort  # drafts are not shown
        assert response.context["days"] == journey.DEFAULT_STALLED_DAYS

    def test_a_bad_threshold_says_so_and_uses_the_default(self, committee_client, cohort):
        response = committee_client.get(URL, {"cohort": cohort.slug, "days": "-4"})
        assert response.status_code == 200
        assert response.context["days"] == journey.DEFAULT_STALLED_DAYS
        assert "Showing 21 days instead" in response.content.decode()

    def test_no_cohorts_yet_says_what_to_do(self, committee_client):
        page = committee_client.get(URL).content.decode()
        assert "There are no cohorts yet" in page

    def test_people_outside_the_committee_get_404(self, client, cohort, people, outsider):
        staff = UserFactory(is_staff=True)
        for person in (outsider, people["Ben"].user, staff):
            client.force_login(person)
            assert client.get(URL, {"cohort": cohort.slug}).status_code == 404

    def test_the_funnel_is_also_a_chart_titled_with_what_it_measures(
        self, committee_client, cohort, people
    ):
        response = committee_client.get(URL, {"cohort": cohort.slug})
        html = response.content.decode()

        funnel = response.context["funnel"]
        title = (
            f"APMs of {cohort.name} who reached each step, as a share of those whose intake is in"
        )
        assert f'<figcaption id="journey-funnel-chart-title" class="chart-title">{title}' in html
        for step in funnel.steps:
            shown = "—" if step.share is None else f"{step.count:,} ({step.share}%)"
            assert f">{shown}</text>" in html
        assert html.index("journey-funnel-chart") < html.index('class="table table-sm')

    def test_the_page_answers_get_only(self, committee_client):
        assert committee_client.post(URL).status_code == 405

    def test_the_page_costs_the_same_queries_whatever_the_cohort_size(
        self, committee_client, cohort, people, make_apm
    ):
        def count():
            with CaptureQueriesContext(connection) as captured:
                committee_client.get(URL, {"cohort": cohort.slug})
            return len(captured)

        count()  # warm-up
        before = count()
        for _ in range(4):
            make_apm(submitted_at=at_noon(30))
        assert count() == before

    def test_a_long_stalled_list_shows_a_page_at_a_time_longest_waiting_first(
        self, committee_client, cohort, people, make_apm, monkeypatch
    ):
        monkeypatch.setattr(journey.funnel, "STALLED_PER_PAGE", 1)
        make_apm(user__full_name="Zed Apm", submitted_at=at_noon(30))
        query = {"cohort": cohort.slug, "days": "21"}
        first = committee_client.get(URL, query).content.decode()
        stalled = first.split('id="stalled-heading"')[1].split('id="counting-heading"')[0]
        assert "Stalled at “Intake submitted” (2)" in stalled  # the count is of all of them
        assert "Ada Apm" in stalled
        assert "Zed Apm" not in stalled
        assert "Showing 1 to 1 of 2, longest waiting first." in stalled
        assert page_links(stalled) == [
            (
                {"cohort": cohort.slug, "days": "21", "stalled": "intake", "page": "2"},
                "stalled-intake",
            )
        ]

        second = committee_client.get(URL, {**query, "stalled": "intake", "page": "2"})
        page = second.content.decode()
        assert "Zed Apm" in page
        assert "Ben Apm" in page  # other steps stay on their first page
        assert second.context["funnel"].steps[0].stalled_page.number == 2

    def test_the_table_of_every_apm_shows_a_page_at_a_time_by_name(
        self, committee_client, cohort, people, monkeypatch
    ):
        monkeypatch.setattr(journey.funnel, "PEOPLE_PER_PAGE", 2)
        response = committee_client.get(URL, {"cohort": cohort.slug, "people": "2"})
        funnel = response.context["funnel"]
        assert [person.name for person in funnel.people_page] == ["Cal Apm", "Dee Apm"]
        page = response.content.decode()
        assert "Show the date each of the 5 APMs reached each step" in page
        assert "Showing 3 to 4 of 5, by name." in page
        assert "<details open>" in page  # the table someone paged through stays open
        cal = funnel.people_page[0]
        row = page.split('<th scope="row">Cal Apm</th>')[1].split("</tr>")[0]
        assert row == "".join(
            f"<td>{day.isoformat() if day else '—'}</td>" for day in cal.dates_in_order()
        )
        assert "<td>—</td>" in row
        assert f"<td>{cal.dates['intake'].isoformat()}</td>" in row
        assert page_links(page.split('id="people-heading"')[1]) == [
            ({"cohort": cohort.slug, "days": "21", "people": "1"}, "people"),
            ({"cohort": cohort.slug, "days": "21", "people": "3"}, "people"),
        ]

    def test_a_bad_page_number_shows_the_nearest_page(self, committee_client, cohort, people):
        response = committee_client.get(
            URL, {"cohort": cohort.slug, "stalled": "intake", "page": "x", "people": "99"}
        )
        assert response.status_code == 200
        funnel = response.context["funnel"]
        assert funnel.steps[0].stalled_page.number == 1
        assert funnel.people_page.number == funnel.people_page.paginator.num_pages

    def test_the_admin_index_and_home_link_to_the_journey(self, committee_client):
        admin_page = committee_client.get(reverse("admin:index")).content.decode()
        assert f'href="{URL}"' in admin_page
        home = committee_client.get(reverse("home")).content.decode()
        assert f'href="{URL}"' in home

    def test_people_outside_the_committee_see_no_journey_link(self, client, apm):
        client.force_login(apm)
        assert URL not in client.get(reverse("home")).content.decode()


class TestRemind:
    def remind(self, client, enrollment, days="21"):
        return client.post(reverse("journey_remind", args=[enrollment.pk]), {"days": days})

    def test_a_matched_apm_without_a_meeting_gets_one_nudge_a_day(
        self, committee_client, committee, cohort, people
    ):
        ben = people["Ben"]
        response = self.remind(committee_client, ben)
        assert response.status_code == 302
        assert response["Location"] == f"{URL}?cohort={cohort.slug}&days=21"
        nudge = Notification.objects.get(kind=Notification.Kind.NO_MEETING)
        assert nudge.user == ben.user
        assert nudge.period == today().isoformat()
        assert "book a meeting" in nudge.subject
        audit = AuditLog.objects.get(action="journey.reminded")
        assert audit.actor == committee
        followed = self.remind(committee_client, ben)
        page = committee_client.get(followed["Location"]).content.decode()
        assert "was already sent this reminder today" in page
        assert Notification.objects.filter(kind=Notification.Kind.NO_MEETING).count() == 1

    def test_a_graduate_is_invited_to_the_open_mentor_intake(
        self, committee_client, committee, cohort, people
    ):
        Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.ACTIVE)
        next_cohort = CohortFactory(name="Next")
        eve = people["Eve"]
        GraduationGuide.objects.update(full_circle_at=None)
        Notification.objects.all().delete()
        self.remind(committee_client, eve)
        invitation = Notification.objects.get(kind=Notification.Kind.MENTOR_INVITATION)
        assert invitation.user == eve.user
        assert f"/intake/{next_cohort.slug}/mentor/" in invitation.body_text

    def test_a_reminder_that_cannot_help_says_what_to_do_instead(self, committee_client, people):
        response = self.remind(committee_client, people["Ada"])
        page = committee_client.get(response["Location"]).content.decode()
        assert "A reminder will not move Ada Apm on from “Intake submitted”" in page
        assert "match them by hand" in page
        assert not Notification.objects.filter(user=people["Ada"].user).exists()
        assert not AuditLog.objects.filter(action="journey.reminded").exists()

    def test_a_person_who_turned_reminders_off_is_not_sent_one(self, committee_client, people):
        ben = people["Ben"]
        NotificationPreference.objects.create(user=ben.user, nudges_enabled=False)
        response = self.remind(committee_client, ben)
        page = committee_client.get(response["Location"]).content.decode()
        assert "has turned reminders off" in page
        nudge = Notification.objects.get(kind=Notification.Kind.NO_MEETING)
        assert nudge.status == Notification.Status.SKIPPED

    def test_people_outside_the_committee_get_404_and_nothing_is_queued(
        self, client, people, outsider
    ):
        Notification.objects.all().delete()
        for person in (outsider, people["Ben"].user):
            client.force_login(person)
            assert self.remind(client, people["Ben"]).status_code == 404
        assert not Notification.objects.exists()

    def test_an_unknown_or_mentor_enrollment_is_404(self, committee_client, cohort):
        mentor = EnrollmentFactory(cohort=cohort, role=Role.MENTOR)
        assert self.remind(committee_client, mentor).status_code == 404
        response = committee_client.post(reverse("journey_remind", args=[999999]))
        assert response.status_code == 404

    def test_remind_takes_post_only(self, committee_client, people):
        url = reverse("journey_remind", args=[people["Ben"].pk])
        assert committee_client.get(url).status_code == 405


class TestSnapshot:
    """The page reads a snapshot of the funnel (mentorship.journey.snapshots)."""

    def stalled_at_intake(self, committee_client, cohort):
        page = committee_client.get(URL, {"cohort": cohort.slug}).content.decode()
        return re.search(r"Stalled at “Intake submitted” \((\d+)\)", page).group(1), page

    def test_the_first_view_builds_it_and_later_ones_read_it_until_refreshed(
        self, committee_client, cohort, people, make_apm
    ):
        count, page = self.stalled_at_intake(committee_client, cohort)
        assert count == "1"  # Ada
        assert "Figures worked out at" in page
        make_apm(user__full_name="Zed Apm", submitted_at=at_noon(30))

        assert self.stalled_at_intake(committee_client, cohort)[0] == "1"
        response = committee_client.post(
            reverse("journey_refresh"), {"cohort": cohort.slug, "days": "21"}
        )
        assert response["Location"] == f"{URL}?{urlencode({'cohort': cohort.slug, 'days': 21})}"
        count, page = self.stalled_at_intake(committee_client, cohort)
        assert count == "2"
        assert f"The journey of {cohort.name} was worked out just now." in page

    def test_a_change_made_through_a_page_is_shown_at_once_in_a_small_cohort(
        self, client, committee_client, cohort, people
    ):
        before = committee_client.get(URL, {"cohort": cohort.slug}).content.decode()
        assert "Stalled at “Matched” (1)" in before  # Ben
        ben = people["Ben"]
        match = Match.objects.get(apm=ben)
        client.force_login(ben.user)
        response = client.post(
            reverse("meeting_new", args=[match.pk]),
            {"occurred_on": day(1).isoformat(), "duration_minutes": "30"},
        )
        assert response.status_code == 302
        assert match.meetings.exists()

        page = committee_client.get(URL, {"cohort": cohort.slug}).content.decode()
        assert "Stalled at “Matched”" not in page

    def test_a_stale_large_snapshot_queues_one_rebuild_and_shows_what_it_has(
        self, committee_client, cohort, people, make_apm, settings, monkeypatch,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        monkeypatch.setattr(journey.snapshots, "REBUILD_IN_PAGE_APMS", 2)
        settings.JOURNEY_REFRESH_SECONDS = 60
        self.stalled_at_intake(committee_client, cohort)
        snapshot = JourneySnapshot.objects.get(cohort=cohort)
        JourneySnapshot.objects.filter(pk=snapshot.pk).update(
            built_at=timezone.now() - timedelta(seconds=61)
        )
        make_apm(user__full_name="Zed Apm", submitted_at=at_noon(30))

        with django_capture_on_commit_callbacks() as queued:
            count, page = self.stalled_at_intake(committee_client, cohort)
            self.stalled_at_intake(committee_client, cohort)  # queues nothing more
        assert count == "1"
        assert "newer ones are being worked out now" in page
        assert len(queued) == 1
        queued[0]()  # the task (eager in tests)

        snapshot.refresh_from_db()
        # Rebuilt just now, not 61 s ago (30 s of slack for a busy machine).
        assert timezone.now() - snapshot.built_at < timedelta(seconds=30)
        assert self.stalled_at_intake(committee_client, cohort)[0] == "2"

    def test_the_task_keeps_a_fresh_snapshot_and_a_build_replaces_every_row(self, cohort, people):
        first = journey.snapshot_build(cohort=cohort)
        built_at = first.built_at
        tasks.journey_snapshot_refresh(cohort.pk)
        first.refresh_from_db()
        assert first.built_at == built_at

        journey.snapshot_build(cohort=cohort)
        assert JourneyRow.objects.filter(snapshot__cohort=cohort).count() == len(people)
        tasks.journey_snapshot_refresh(999_999)  # a deleted cohort: nothing to do

    def test_only_the_committee_may_refresh_and_only_by_post(
        self, client, committee_client, cohort, people, outsider
    ):
        url = reverse("journey_refresh")
        assert committee_client.get(url).status_code == 405
        client.force_login(outsider)
        assert client.post(url, {"cohort": cohort.slug}).status_code == 404
        assert not JourneySnapshot.objects.exists()

    @pytest.mark.parametrize("data", [{}, {"cohort": "no-such-cohort"}, {"days": "x"}])
    def test_a_bad_refresh_goes_back_to_the_journey_and_builds_nothing(
        self, committee_client, cohort, data
    ):
        response = committee_client.post(reverse("journey_refresh"), data)

        assert response.status_code == 302
        assert response["Location"] == URL
        assert not JourneySnapshot.objects.exists()
