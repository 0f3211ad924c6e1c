"""My surveys and answering one keep their queries as the organisation grows (issue 13)."""

import pytest
from django.urls import reverse

from surveys.models import Survey
from tests.toolkit.shape import LARGER, SMALL, queries_at

pytestmark = pytest.mark.django_db


def survey_pages(seeded):
    opened = Survey.objects.get(cohort=seeded["cohort"], status=Survey.Status.OPEN)
    return {"mine": reverse("surveys:mine"), "answer": reverse("surveys:answer", args=[opened.pk])}


def test_my_surveys_and_answering_run_as_many_queries_in_a_larger_organisation():
    assert queries_at(SMALL, survey_pages) == queries_at(LARGER, survey_pages)
