import pytest
from django.core.management import call_command

from surveys.demo import survey_demo_install
from surveys.models import Survey

pytestmark = pytest.mark.django_db


def test_the_command_installs_the_three_templates_once(capsys):
    call_command("install_survey_templates")
    call_command("install_survey_templates")
    out = capsys.readouterr().out
    assert "Installed 3 survey template(s); 3 available." in out
    assert "Installed 0 survey template(s); 3 available." in out
    assert set(Survey.objects.values_list("template_key", flat=True)) == {
        "end-of-cohort-apm", "end-of-cohort-mentor", "mid-point-check-in",
    }  # fmt: skip
    assert not Survey.objects.filter(is_template=False).exists()


def test_the_demo_installs_templates_and_sends_nothing():
    assert survey_demo_install() == {"survey_templates_created": 3}
    assert survey_demo_install() == {"survey_templates_created": 0}
    assert Survey.objects.filter(is_template=False).count() == 0
