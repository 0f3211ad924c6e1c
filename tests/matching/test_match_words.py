"""The APM and the mentor read why they were matched in words; the committee keeps the points."""

import pytest
from django.urls import reverse

from matching import services
from matching.models import Proposal
from toolkit.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(cohort, committee, make_apm, make_mentor, django_capture_on_commit_callbacks):
    Category.objects.filter(slug="career-growth").update(name="Career <growth> & pay")
    apm = make_apm(prefers_other_unit=True, shared_with_mentor=["goals"])
    make_mentor(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(cohort=cohort, acting_user=committee)
    proposal = Proposal.objects.get(run=run, apm=apm)
    with django_capture_on_commit_callbacks(execute=True):
        return services.proposal_approve(proposal=proposal, acting_user=committee)


def test_the_apm_reads_words_on_home_and_in_the_introduction(client, approved, mailoutbox):
    assert "(+" in approved.reasons  # the committee's text keeps the points

    apm = approved.apm.user
    client.force_login(apm)
    page = client.get(reverse("home")).content.decode()
    assert (
        "<strong>Why you two:</strong> You both care about career &lt;growth&gt; &amp; pay; "
        "you work in different business units"
    ) in page
    assert "(+" not in page

    mail = next(m for m in mailoutbox if m.to == [apm.email])
    assert "Why you two: You both care about career <growth> & pay; you work in" in mail.body
    html = mail.alternatives[0][0]
    assert "You both care about career &lt;growth&gt; &amp; pay" in html
    assert "(+" not in mail.body + html


def test_the_mentor_is_not_told_what_the_apm_chose_not_to_share(client, approved, mailoutbox):
    mentor = approved.mentor.user
    client.force_login(mentor)
    page = client.get(reverse("home")).content.decode()
    assert "<strong>Why you two:</strong> You work in different business units" in page
    assert "growth" not in page.split("Why you two:")[1].split("</p>")[0]

    mail = next(m for m in mailoutbox if m.to == [mentor.email])
    why = mail.body.split("Why you two: ")[1].splitlines()[0]
    assert why.startswith("You work in different business units")
    assert "growth" not in why


def test_the_words_weigh_the_parts_as_the_run_did(
    cohort, committee, client, make_apm, make_mentor, django_capture_on_commit_callbacks,
    mailoutbox,
):  # fmt: skip
    apm = make_apm(prefers_other_unit=True, shared_with_mentor=["goals"])
    make_mentor(capacity=1)
    # The committee gave a different business unit no points in this run.
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(cohort=cohort, acting_user=committee, weights={"other_unit": 0})
    proposal = Proposal.objects.get(run=run, apm=apm)
    with django_capture_on_commit_callbacks(execute=True):
        match = services.proposal_approve(proposal=proposal, acting_user=committee)

    client.force_login(apm.user)
    why = client.get(reverse("home")).content.decode().split("Why you two:</strong>")[1]
    assert "You both care about" in why.split("</p>")[0]
    assert "business unit" not in why.split("</p>")[0]
    mail = next(m for m in mailoutbox if m.to == [apm.user.email])
    assert "business unit" not in mail.body.split("Why you two: ")[1].splitlines()[0]
    # Read without the run alongside (one more query), the words are the same.
    from matching.models import Match
    from matching.selectors import match_words

    bare = Match.objects.select_related("apm__user__profile", "mentor__user__profile").get(
        pk=match.pk
    )
    assert "business unit" not in match_words(bare, viewer="apm")
