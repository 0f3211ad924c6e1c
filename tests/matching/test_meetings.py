from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import forms
from matching import services as matching_services
from matching.models import Meeting
from matching.selectors import pairs_suggestions
from tests.factories import UserFactory
from toolkit.models import Topic

pytestmark = pytest.mark.django_db


def apm_suggestions(match, **limit):
    """What the APM of ``match`` is suggested (the pages' own reading, for one pair)."""
    ((_, topics),) = pairs_suggestions(matches=[match], user=match.apm.user, **limit)
    return topics


@pytest.fixture
def cohort(active_cohort):
    """Pairs meet in a cohort whose intake has closed."""
    return active_cohort


@pytest.fixture
def match(committee, make_apm, make_mentor):
    apm = make_apm(topics=("government-contracting", "career-growth"))
    mentor = make_mentor(topics=("government-contracting", "accessibility"))
    return matching_services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)


def meeting_data(**overrides):
    today = timezone.localdate()
    data = {
        "occurred_on": today.isoformat(),
        "duration_minutes": "45",
        "topics": [t.pk for t in Topic.objects.filter(slug__in=["what-a-cor-does",
                                                               "plain-language"])],
        "notes": "Talked about the COR's role. Private.",
        "next_meeting_on": (today + timedelta(days=14)).isoformat(),
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_apm_logs_a_meeting_and_home_shows_last_next_and_count(client, match):
    client.force_login(match.apm.user)
    response = client.post(reverse("meeting_new", args=[match.pk]), meeting_data())
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.logged_by == match.apm.user
    assert meeting.topics.count() == 2
    page = client.get(reverse("home")).content.decode()
    assert "1 meeting so far" in page
    assert "next on" in page


def test_the_mentor_sees_the_meeting_and_its_notes(client, match):
    client.force_login(match.apm.user)
    client.post(reverse("meeting_new", args=[match.pk]), meeting_data())
    client.force_login(match.mentor.user)
    page = client.get(reverse("meetings", args=[match.pk])).content.decode()
    assert "Talked about the COR" in page


def test_covered_topics_leave_the_pairs_suggestions(client, match):
    cor = Topic.objects.get(slug="what-a-cor-does")
    client.force_login(match.apm.user)
    # Log meetings until the COR topic would otherwise be suggested.
    client.post(reverse("meeting_new", args=[match.pk]), meeting_data(topics=[cor.pk]))
    suggested = apm_suggestions(match, limit=100)
    assert cor not in suggested


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"occurred_on": "2999-01-01", "next_meeting_on": ""}, "occurred_on",
         forms.MEETING_IN_FUTURE),
        ({"duration_minutes": "-30"}, "duration_minutes", None),
        ({"duration_minutes": "0"}, "duration_minutes", None),
        ({"topics": [999999]}, "topics", None),
        ({"next_meeting_on": "2000-01-01"}, "next_meeting_on", None),
    ],
)  # fmt: skip
def test_bad_meeting_input_gets_a_clear_error_and_saves_nothing(
    client, match, overrides, field, message
):
    client.force_login(match.apm.user)
    response = client.post(reverse("meeting_new", args=[match.pk]), meeting_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors
    if message:
        assert errors == [message]
    assert not Meeting.objects.exists()


def test_people_outside_the_pair_get_404_for_every_meeting_page(client, match, committee):
    for person in (UserFactory(), committee):
        client.force_login(person)
        assert client.get(reverse("meetings", args=[match.pk])).status_code == 404
        assert client.get(reverse("meeting_new", args=[match.pk])).status_code == 404
        response = client.post(reverse("meeting_new", args=[match.pk]), meeting_data())
        assert response.status_code == 404
    assert not Meeting.objects.exists()


def test_the_committee_sees_dates_and_counts_but_never_notes(client, match, committee):
    client.force_login(match.apm.user)
    client.post(reverse("meeting_new", args=[match.pk]), meeting_data())
    client.force_login(committee)
    listing = client.get(reverse("admin:matching_meeting_changelist")).content.decode()
    meeting = Meeting.objects.get()
    detail = client.get(
        reverse("admin:matching_meeting_change", args=[meeting.pk])
    ).content.decode()
    for page in (listing, detail):
        assert "Private." not in page
    assert str(meeting.duration_minutes) in listing


def test_no_meetings_for_an_ended_match(client, match, committee):
    matching_services.match_end(match=match, acting_user=committee, reason="x")
    client.force_login(match.apm.user)
    client.post(reverse("meeting_new", args=[match.pk]), meeting_data())
    assert not Meeting.objects.exists()


class TestSuggestions:
    def test_a_new_pair_starts_with_getting_started_topics(self, match):
        suggested = apm_suggestions(match)
        assert suggested
        assert suggested[0].stage == Topic.Stage.GETTING_STARTED

    def test_suggestions_fit_both_people(self, match, client):
        client.force_login(match.apm.user)
        client.post(reverse("meeting_new", args=[match.pk]), meeting_data(topics=[]))
        suggested = apm_suggestions(match)
        # After a first meeting: what both share (government contracting) comes first.
        assert suggested[0].category.slug == "government-contracting"

    def test_mentor_only_topics_are_not_suggested_to_the_apm(self, match):
        suggested = apm_suggestions(match, limit=100)
        assert all(t.audience in ("both", "apm") for t in suggested)

    def test_the_toolkit_page_shows_suggestions_for_a_matched_mentor(self, client, match):
        client.force_login(match.mentor.user)
        response = client.get(reverse("toolkit:topics"))
        assert response.context["suggestions"]
        assert "Suggested for you and" in response.content.decode()


def test_a_mentor_of_two_gets_topics_for_each_mentee(client, committee, make_apm, make_mentor):
    mentor = make_mentor(capacity=2, topics=("career-growth",))

    for name in ("Avery Park", "Noor <i>Haddad</i>"):
        apm = make_apm(topics=("career-growth",), user__full_name=name)
        matching_services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)
    client.force_login(mentor.user)
    page = client.get(reverse("home")).content.decode()
    assert "Topics for your next conversation with Avery Park</h2>" in page
    assert "Topics for your next conversation with Noor &lt;i&gt;Haddad&lt;/i&gt;</h2>" in page


def test_the_toolkit_suggests_topics_for_each_mentee_in_queries_that_do_not_grow(
    client, committee, make_apm, make_mentor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mentor = make_mentor(capacity=3, topics=("career-growth",))
    url = reverse("toolkit:topics")

    def add_mentee(name):
        apm = make_apm(topics=("career-growth",), user__full_name=name)
        matching_services.match_create_by_hand(apm=apm, mentor=mentor, acting_user=committee)

    add_mentee("Avery Park")
    client.force_login(mentor.user)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    add_mentee("N<i>oor</i> Haddad")
    add_mentee("Sam Lee")
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    assert len(three) == len(one)
    for heading in ("Avery", "N&lt;i&gt;oor&lt;/i&gt;", "Sam"):
        assert f">Suggested for you and {heading}</h2>" in page
    # Each pair's cards have their own ids (labels stay unique on the page).
    ids = [part.split('"', 1)[0] for part in page.split(' id="topic-')[1:]]
    assert len(ids) == len(set(ids)) > 3
