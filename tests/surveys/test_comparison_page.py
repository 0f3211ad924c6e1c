"""The outcomes page's comparison: figures equal to a hand computation, a fixed cost."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import Match
from mentorship.common import changes
from surveys import eligible
from surveys.comparison import NOT_ENOUGH, promotion_comparison
from surveys.intervals import newcomb
from tests.surveys.conftest import promote

pytestmark = pytest.mark.django_db
URL = reverse("surveys:outcomes")
HEADER = "email,title,level,hire_date,promotion_dates\n"


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.SURVEY_PRIVACY_THRESHOLD = 3


def iso(day):
    return day.isoformat()


@pytest.fixture
def population(cohort, make_pair, make_apm):
    """The hand-computed case (S is the cohort's start):

    stratum associate, 1-2 years: 3 participants (2 promoted), 5 others (1 promoted)
    stratum product manager, under 1 year: 1 participant (0), 2 others (1 promoted)
    left out: a participant not in the file, a director with no one to compare with.
    Participants 2 of 4 = 50%; comparison 3/4 * 1/5 + 1/4 * 1/2 = 27.5%; +22.5 points.
    """
    start = cohort.program_starts_on
    a_hire, b_hire, old_hire = (
        start - timedelta(days=550),
        start - timedelta(days=180),
        (start - timedelta(days=6 * 366)),
    )
    pairs = [make_pair(apm_kwargs={"user__email": f"p{i}@example.com"}) for i in range(6)]
    promote(pairs[0].apm.user, cohort)  # confirmed in the program, today: within 12 months
    Match.objects.filter(pk=pairs[1].pk).update(status=Match.Status.ENDED)  # still counts
    make_apm(user__email="waiting@example.com")  # not matched: in neither group
    lines = [
        # Participants (emails in any case).
        f"P0@Example.com,APM,associate,{iso(a_hire)},",
        f"p1@example.com,PM,product_manager,{iso(a_hire)},{iso(start + timedelta(days=10))}",
        f"p2@example.com,APM,associate,{iso(a_hire)},",
        f"p3@example.com,PM,product_manager,{iso(b_hire)},",
        f"p4@example.com,Director,director,{iso(old_hire)},",
        # p5 is not in the file.
        f"waiting@example.com,APM,associate,{iso(a_hire)},{iso(start + timedelta(days=5))}",
        # Others, associate at the start, 1-2 years: one promoted since S (now a PM).
        f"o1@example.com,PM,product_manager,{iso(a_hire)},{iso(start + timedelta(days=30))}",
        f"o2@example.com,APM,associate,{iso(a_hire)},{iso(start - timedelta(days=30))}",
        f"o3@example.com,APM,associate,{iso(a_hire)},",
        f"o4@example.com,APM,associate,{iso(a_hire)},",
        f"o5@example.com,APM,associate,{iso(a_hire)},",
        # Others, product manager at the start, under a year: one promoted since (now senior).
        f"o6@example.com,Senior PM,senior,{iso(b_hire)},{iso(start + timedelta(days=60))}",
        f"o7@example.com,PM,product_manager,{iso(b_hire)},",
        # Hired after the start: not eligible for this cohort.
        f"late@example.com,APM,associate,{iso(start + timedelta(days=1))},",
    ]
    result = eligible.eligible_import(data=(HEADER + "\n".join(lines) + "\n").encode())
    assert result.ok, result.errors
    return cohort


def test_the_figures_equal_the_hand_computation(population):
    [row] = promotion_comparison(cohorts=[population])["comparison_cohorts"]

    assert (row.participants_promoted, row.participants) == (2, 4)
    assert (row.others_promoted, row.others) == (2, 7)
    assert row.others_rate == pytest.approx(0.75 * 1 / 5 + 0.25 * 1 / 2)
    assert (row.participants_missing, row.participants_unmatched) == (1, 1)
    strata = [(s.level, s.band, s.participants, s.participants_promoted, s.others,
               s.others_promoted) for s in row.strata]  # fmt: skip
    assert strata == [
        ("associate", 1, 3, 2, 5, 1),
        ("product_manager", 0, 1, 0, 2, 1),
        ("director", 4, 1, 0, 0, 0),
    ]
    effective = 1 / (0.75**2 / 5 + 0.25**2 / 2)
    expected = newcomb(2, 4, 0.275 * effective, effective)
    assert row.interval.estimate == pytest.approx(0.225)
    assert (row.interval.lower, row.interval.upper) == pytest.approx(
        (expected.lower, expected.upper)
    )
    assert row.difference_text.startswith("+22.5 points (95% interval \N{MINUS SIGN}")


def test_the_page_shows_the_comparison_and_the_strata_behind_it(population, client, committee):
    client.force_login(committee)
    page = client.get(URL).content.decode()

    assert "Promotions against a comparison group" in page
    assert "50% (2 of 4)" in page
    assert "27.5% (from 2 of 7 people)" in page
    assert "+22.5 points" in page
    assert "The strata behind" in page
    assert "Associate product manager" in page
    assert "1 not in the eligible population, 1 with no one of their level and tenure" in page


def test_below_the_privacy_threshold_on_either_side_there_is_not_enough_to_compare(
    population, settings, client, committee
):
    settings.SURVEY_PRIVACY_THRESHOLD = 5  # 4 participants compared
    [row] = promotion_comparison(cohorts=[population])["comparison_cohorts"]
    assert not row.enough
    assert row.interval is None
    client.force_login(committee)
    page = client.get(URL).content.decode()
    assert NOT_ENOUGH in page
    assert "The strata behind" not in page  # the counts behind it stay hidden too
    assert "50% (2 of 4)" not in page


def test_a_year_adds_up_its_cohorts_strata(population):
    [year] = promotion_comparison(cohorts=[population])["comparison_years"]
    assert year.label == str(population.program_starts_on.year)
    assert (year.participants_promoted, year.participants, year.others) == (2, 4, 7)


def test_without_an_eligible_population_the_page_says_how_to_import_one(cohort, client, committee):
    client.force_login(committee)
    page = client.get(URL).content.decode()
    assert "No eligible population has been imported yet" in page
    assert reverse("admin:surveys_eligibleperson_import") in page


def test_the_population_is_counted_in_the_copy_and_an_import_through_the_admin_renews_it(
    population, client, committee
):
    client.force_login(committee)
    assert "(14 people;" in client.get(URL).content.decode()
    with CaptureQueriesContext(connection) as copied:
        assert "(14 people;" in client.get(URL).content.decode()
    assert not [q for q in copied.captured_queries if "surveys_eligibleperson" in q["sql"]]

    more = HEADER + f"new@example.com,APM,associate,{iso(population.program_starts_on)},\n"
    sent = client.post(
        reverse("admin:surveys_eligibleperson_import"),
        {"file": SimpleUploadedFile("eligible.csv", more.encode(), content_type="text/csv")},
    )
    assert sent.status_code == 302
    assert "(15 people;" in client.get(URL).content.decode()


def count_queries(client):
    changes.mark_changed()  # worked out again, not read from the copy
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_a_small_or_a_larger_population(
    population, client, committee, make_pair
):
    client.force_login(committee)
    client.get(URL)
    small = count_queries(client)
    start = population.program_starts_on
    more = [make_pair(apm_kwargs={"user__email": f"more{i}@example.com"}) for i in range(5)]
    lines = [f"more{i}@example.com,APM,associate,{iso(start - timedelta(days=400))}," for i in
             range(5)] + [f"x{i}@example.com,APM,associate,{iso(start - timedelta(days=90))},"
                          for i in range(40)]  # fmt: skip
    assert eligible.eligible_import(data=(HEADER + "\n".join(lines) + "\n").encode()).ok
    assert len(more) == 5

    assert count_queries(client) == small


def test_only_the_committee_sees_the_comparison(population, client, outsider, apm):
    assert client.get(URL).status_code == 302
    client.force_login(outsider)
    assert client.get(URL).status_code == 404
    client.force_login(apm)
    assert client.get(URL).status_code == 404
