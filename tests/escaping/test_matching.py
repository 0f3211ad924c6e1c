"""Matching in the admin: the run page, proposals, introductions, hand matches, banned pairs."""

import pytest
from django.urls import reverse

from matching.models import BannedPair, Match
from mentorship.models import Notification
from tests.escaping.conftest import login

pytestmark = pytest.mark.django_db


def test_run_pages_and_proposals_escape_names_and_reasons(world, typed, shown, committee):
    admin = login(committee)
    shown.page(
        admin,
        reverse("admin:matching_matchingrun_add"),
        "cohort",
        where="start a matching run (cohort select)",
    )
    # The APM left over is listed with why: the only mentor is on their team.
    shown.page(
        admin,
        reverse("admin:matching_matchingrun_change", args=[world.run.pk]),
        "stranded",
        "cohort",
        "mentor-team",
        where="matching run page",
    )
    shown.page(
        admin,
        reverse("admin:matching_proposal_changelist"),
        "apm",
        "mentor",
        "agency",
        "domain",
        "apm-unit",  # the business-unit filters list every unit
        "mentor-unit",
        "cohort",
        where="proposal list",
    )
    shown.page(
        admin,
        reverse("admin:matching_proposal_change", args=[world.proposal.pk]),
        "apm",
        "mentor",
        "agency",
        where="proposal page",
    )
    shown.assert_all_escaped()


def test_introduction_emails_escape_names_and_reasons(world, typed, shown):
    to_apm, to_mentor = (
        Notification.objects.get(kind=Notification.Kind.MATCH_INTRODUCTION, user=person.user)
        for person in (world.apm, world.mentor)
    )
    shown.email(
        to_apm,
        "mentor",
        "cohort",
        "agency",
        "domain",
        short=("apm", "mentor"),
    )
    shown.email(
        to_mentor,
        "apm",
        "cohort",
        "agency",
        short=("mentor", "apm"),
    )
    shown.assert_all_escaped()


def test_hand_match_preview_and_match_page_escape_names_and_reasons(
    world, typed, shown, committee, django_capture_on_commit_callbacks
):
    BannedPair.objects.create(
        apm_user=world.stranded.user, mentor_user=world.mentor.user, reason=typed("ban-reason")
    )
    admin = login(committee)
    hand_match = reverse("admin:matching_match_add")
    pair = {
        "apm": world.stranded.pk,
        "mentor": world.mentor.pk,
        "override_reason": typed("override"),
    }
    # The selected APM and mentor are <option>s of the autocomplete selects.
    response = admin.post(hand_match, {**pair, "check": "Check this pair"})
    assert response.status_code == 200
    assert response.context["preview"]["broken_rules"]
    shown.check(
        "hand-match preview",
        response.content.decode(),
        "stranded",
        "mentor",
        "cohort",
        "override",
    )
    with django_capture_on_commit_callbacks(execute=True):
        shown.post(
            admin,
            hand_match,
            {**pair, "confirm": "Match them"},
            "stranded",  # "Matched ... with ..."
            "mentor",
            "override",
            where="hand match, confirmed",
        )
    match = Match.objects.get(apm=world.stranded)
    assert match.override_reason == typed("override")
    shown.page(
        admin,
        reverse("admin:matching_match_changelist"),
        "stranded",
        "apm",
        "mentor",
        "cohort",
        where="match list",
    )
    introduction = Notification.objects.get(
        kind=Notification.Kind.MATCH_INTRODUCTION, user=world.stranded.user
    )
    shown.email(introduction, "mentor", short=("stranded",))
    shown.assert_all_escaped()


def test_banned_pairs_escape_reasons_and_names(world, typed, shown, committee):
    banned = BannedPair.objects.create(
        apm_user=world.stranded.user, mentor_user=world.mentor.user, reason=typed("ban-reason")
    )
    admin = login(committee)
    changelist = reverse("admin:matching_bannedpair_changelist")
    shown.page(
        admin,
        changelist,
        "ban-reason",
        "stranded",
        "mentor",
        where="banned pair list",
    )
    shown.page(
        admin,
        reverse("admin:matching_bannedpair_change", args=[banned.pk]),
        "ban-reason",
        "stranded",  # selected options of the autocomplete selects
        "mentor",
        where="banned pair form",
    )
    response = admin.post(
        changelist, {"action": "delete_selected", "_selected_action": [banned.pk]}
    )
    assert response.status_code == 200
    shown.check(
        "banned pair delete confirmation",
        response.content.decode(),
        "stranded",
        "mentor",
    )
    shown.assert_all_escaped()
