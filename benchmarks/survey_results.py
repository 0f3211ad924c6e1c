"""Survey results at scale: a closed survey with 10,000 responses, as the committee reads it.

    .venv/bin/python benchmarks/survey_results.py [--responses 10000 --units 12]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentorship_survey_bench \\
        .venv/bin/python benchmarks/survey_results.py

Builds the survey in a throwaway database (SQLite in a temporary folder, or the
database named by DATABASE_URL, which must be empty or disposable), then times the
results selector and the pages (results, CSV, cohort, outcomes) with their query counts.
Prints the figures; asserts nothing.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str | None):
    folder = tempfile.mkdtemp(prefix="bench-surveys-")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder}/bench.sqlite3"
    os.environ["RUN_DIR"] = folder
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(responses: int, unit_count: int, seed: int = 11):
    """A cohort, its people, and a closed anonymous survey everyone answered."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from mentorship.accounts import committee_member_add
    from mentorship.models import BusinessUnit, Cohort, Enrollment, Role, User
    from surveys.models import Answer, Invitation, Question, Response, Survey
    from surveys.starter import TEMPLATES

    rng = random.Random(seed)
    now = timezone.now()
    tag = uuid.uuid4().hex[:8]
    cohort = Cohort.objects.create(
        name=f"Benchmark {tag}", slug=f"bench-{tag}", status=Cohort.Status.ACTIVE,
        intake_opens_at=now - timezone.timedelta(days=300),
        intake_closes_at=now - timezone.timedelta(days=280),
        program_starts_on=(now - timezone.timedelta(days=270)).date(),
        program_ends_on=(now + timezone.timedelta(days=30)).date(),
    )  # fmt: skip
    units = BusinessUnit.objects.bulk_create(
        BusinessUnit(name=f"Unit {tag} {i}") for i in range(unit_count)
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        (User(email=f"p{i}-{tag}@bench.example", full_name=f"Person {i}", password=password)
         for i in range(responses)),
        batch_size=2000,
    )  # fmt: skip
    roles = [Role.APM if i % 3 else Role.MENTOR for i in range(responses)]
    Enrollment.objects.bulk_create(
        (Enrollment(user=u, cohort=cohort, role=r, submitted_at=now,
                    capacity=2 if r == Role.MENTOR else None)
         for u, r in zip(users, roles, strict=True)),
        batch_size=2000,
    )  # fmt: skip
    committee = User.objects.create_user(f"committee-{tag}@bench.example", "bench-pass-123")
    committee_member_add(user=committee)

    spec = TEMPLATES[0]
    survey = Survey.objects.create(
        cohort=cohort, title="Benchmark end-of-cohort survey", audience="both",
        is_anonymous=True, opens_at=now - timezone.timedelta(days=20),
        closes_at=now - timezone.timedelta(days=1), status=Survey.Status.CLOSED,
    )  # fmt: skip
    questions = Question.objects.bulk_create(
        Question(survey=survey, position=i, **q) for i, q in enumerate(spec["questions"], 1)
    )
    unit_of = [units[rng.randrange(unit_count)] for _ in users]
    Invitation.objects.bulk_create(
        (Invitation(survey=survey, user=u, role=r, business_unit=unit, completed_on=now.date())
         for u, r, unit in zip(users, roles, unit_of, strict=True)),
        batch_size=2000,
    )  # fmt: skip
    rows = [Response(survey=survey, role=r, business_unit=unit)
            for r, unit in zip(roles, unit_of, strict=True)]  # fmt: skip
    Response.objects.bulk_create(rows, batch_size=2000)
    answers = []
    for response in rows:
        for question in questions:
            if question.only_for_promoted and (response.role != Role.APM or rng.random() > 0.3):
                continue
            if not question.required and rng.random() < 0.3:
                continue
            kind = question.kind
            if kind == "multiple":
                for choice in rng.sample(question.option_list, rng.randint(1, 3)):
                    answers.append(Answer(response=response, question=question, choice=choice))
            elif kind == "single":
                answers.append(Answer(response=response, question=question,
                                      choice=rng.choice(question.option_list)))  # fmt: skip
            elif kind == "text":
                answers.append(Answer(response=response, question=question,
                                      text=f"Suggestion {rng.randrange(10**6)}"))  # fmt: skip
            else:
                value = rng.choice(question.values())
                answers.append(Answer(response=response, question=question, number=value))
    Answer.objects.bulk_create(answers, batch_size=5000)
    return survey, committee, len(answers)


def timed(function, repeat: int = 5):
    """(median seconds, queries of the last run) over warm runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()  # warm up: caches, compiled templates
    durations, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            function()
            durations.append(time.perf_counter() - started)
        queries = len(captured)
    return statistics.median(durations), queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=12)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from surveys.results import survey_results

    started = time.perf_counter()
    survey, committee, answer_count = build(args.responses, args.units)
    print(f"Built {args.responses} responses ({answer_count} answers, {args.units} business "
          f"units) on {connection.vendor} in {time.perf_counter() - started:.1f} s")  # fmt: skip

    def selector():
        results = survey_results(survey=survey)
        for question in results.questions:
            question.chart  # noqa: B018 - render the SVG too

    client = Client()
    client.force_login(committee)
    pages = {
        "results selector (with charts)": selector,
        "results page": lambda: client.get(reverse("surveys:results", args=[survey.pk])),
        "results CSV": lambda: client.get(reverse("surveys:results_csv", args=[survey.pk])),
        "cohort page": lambda: client.get(
            reverse("surveys:cohort_results", args=[survey.cohort_id])
        ),
        "outcomes dashboard": lambda: client.get(reverse("surveys:outcomes")),
    }
    for name, function in pages.items():
        seconds, queries = timed(function)
        print(f"  {name:<32} {seconds * 1000:8.1f} ms  {queries:3d} queries")
    response = client.get(reverse("surveys:results", args=[survey.pk]))
    print(f"  results page status {response.status_code}, {len(response.content):,} bytes")


if __name__ == "__main__":
    main()
