"""Survey set-up for the demo (`python manage.py seed_demo`)."""

from surveys.services import survey_templates_install


def survey_demo_install() -> dict:
    """Install the starter survey templates; the committee starts surveys from them.

    Idempotent. Nothing is sent: the demo cohort is still taking intake, and surveys go
    only to people who have been matched.
    """
    return {"survey_templates_created": survey_templates_install()}
