"""Promotion, graduation and coming back as a mentor: the guide, the admin, the emails."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorship import graduation
from mentorship.models import GraduationGuide, Notification
from tests.escaping.conftest import login
from tests.factories import CohortFactory

pytestmark = pytest.mark.django_db


def test_graduation_guide_admin_and_emails_escape_names(
    world, typed, shown, committee, django_capture_on_commit_callbacks
):
    next_cohort = CohortFactory(name=typed("next-cohort"))
    promotion = graduation.promotion_record(
        user=world.apm.user,
        from_title=typed("from-title"),
        to_title=typed("to-title"),
        promoted_on=timezone.localdate(),
        acting_user=committee,
    )
    admin = login(committee)
    with django_capture_on_commit_callbacks(execute=True):
        shown.post(
            admin,
            reverse("admin:mentorship_promotion_changelist"),
            {"action": "graduate_selected", "_selected_action": [promotion.pk]},
            "apm",
            "to-title",
            where="promotion list after graduating",
        )
    guide = GraduationGuide.objects.get(apm_enrollment=world.apm)

    apm_client = login(world.apm.user)
    shown.page(
        apm_client,
        reverse("graduation_guide"),
        "cohort",
        "mentor",
        "next-cohort",
        where="graduation guide",
    )
    # The mentor intake starts from the graduate's profile, new title included.
    shown.page(
        apm_client,
        reverse("intake", args=[next_cohort.slug, "mentor"]),
        "apm",
        "to-title",
        "apm-team",
        where="mentor intake after graduating",
    )
    shown.page(
        admin,
        reverse("admin:mentorship_graduationguide_changelist"),
        "apm",
        "cohort",
        where="graduation guide list",
    )
    shown.page(
        admin,
        reverse("admin:mentorship_graduationguide_change", args=[guide.pk]),
        "apm",
        "cohort",
        where="graduation guide page",
    )

    emails = {
        n.kind: n
        for n in Notification.objects.filter(
            kind__in=[
                Notification.Kind.GRADUATION,
                Notification.Kind.MENTOR_THANKS,
                Notification.Kind.MENTOR_INVITATION,
            ]
        )
    }
    shown.email(
        emails[Notification.Kind.GRADUATION],
        "cohort",
        "mentor",
        short=("apm",),
    )
    shown.email(
        emails[Notification.Kind.MENTOR_THANKS],
        "apm",
        "cohort",
        short=("mentor", "apm"),
    )
    shown.email(emails[Notification.Kind.MENTOR_INVITATION], "next-cohort", short=("apm",))
    shown.assert_all_escaped()
