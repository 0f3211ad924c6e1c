"""Pages show times in the reader's browser zone; emails in the program's (issue 15)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from mentorship.common.local_time import COOKIE
from mentorship.models import Notification, Role
from mentorship.outbox.queue import notification_queue
from tests.factories import CohortFactory, UserFactory

pytestmark = pytest.mark.django_db
CLOSES = datetime(2026, 12, 24, 3, 0, tzinfo=UTC)  # the 23rd in America, the 24th in Asia
JUNK = ["", "Mars/Olympus", "../../etc/passwd", "utc", "America/New_York\x00", "A" * 5000,
        "Europe/Lon don", "%2F"]  # fmt: skip


def offset_of(page: str) -> int:
    return int(page.split('data-admin-utc-offset="', 1)[1].split('"', 1)[0])


def seconds_ahead(zone: str) -> int:
    return int(timezone.now().astimezone(ZoneInfo(zone)).utcoffset().total_seconds())


def test_the_admin_works_in_the_browser_zone_so_it_warns_of_no_difference(client, committee):
    cohort = CohortFactory(intake_closes_at=CLOSES)
    client.force_login(committee)
    url = reverse("admin:mentorship_cohort_change", args=[cohort.pk])

    client.cookies[COOKIE] = "Asia/Tokyo"
    page = client.get(url).content.decode()
    # admin/js/calendar/DateTimeShortcuts.js warns when this differs from the browser's.
    assert offset_of(page) == seconds_ahead("Asia/Tokyo") == 9 * 3600
    assert 'value="2026-12-24"' in page  # the closing time, read in Tokyo
    assert 'value="12:00:00"' in page

    for junk in JUNK:
        client.cookies[COOKIE] = junk
        response = client.get(url)
        assert response.status_code == 200
        assert offset_of(response.content.decode()) == seconds_ahead(settings.TIME_ZONE)


def test_the_browser_zone_lasts_one_request():
    from mentorship.common.local_time import BrowserTimeZoneMiddleware

    seen = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())
        return

    middleware = BrowserTimeZoneMiddleware(view)
    request = type("Request", (), {"COOKIES": {COOKIE: "America/Denver"}})()
    middleware(request)
    assert seen == ["America/Denver"]
    # Nothing carries over to the next request on the same thread.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
    request.COOKIES = {}
    middleware(request)
    assert seen[-1] == settings.TIME_ZONE


def test_a_participant_reads_the_intake_deadline_in_their_own_zone(client):
    cohort = CohortFactory(intake_closes_at=CLOSES, slug="spring")
    client.force_login(UserFactory())
    url = reverse("intake", args=[cohort.slug, Role.APM])
    assert "until December 23, 2026, 10:00 PM" in client.get(url).content.decode()  # New York
    client.cookies[COOKIE] = "America/Los_Angeles"
    assert "until December 23, 2026, 7:00 PM" in client.get(url).content.decode()
    client.cookies[COOKIE] = "Asia/Tokyo"
    assert "until December 24, 2026, 12:00 PM" in client.get(url).content.decode()


def test_an_email_queued_from_a_browser_in_another_zone_keeps_the_programs_zone():
    cohort = CohortFactory(intake_closes_at=CLOSES)
    with timezone.override(ZoneInfo("Asia/Tokyo")):  # as the middleware leaves it
        notification_queue(
            kind=Notification.Kind.INTAKE_OPEN,
            user=UserFactory(),
            obj=cohort,
            subject="Intake is open",
            template="mentorship/email/intake_nudge",
            context={"cohort": cohort, "join_url": "https://example.org/intake/"},
        )
    email = Notification.objects.get()
    assert "open until December 23" in email.body_text  # the program's zone, New York
    assert "open until December 23" in email.body_html
    assert "December 24" not in email.body_text
