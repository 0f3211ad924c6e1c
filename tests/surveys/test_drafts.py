"""Drafts of anonymous surveys are stored encrypted, read back for the form, and migrated."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from surveys import ballots, selectors, services
from surveys.models import Invitation
from tests.surveys.conftest import question

pytestmark = pytest.mark.django_db

migration = importlib.import_module("surveys.migrations.0003_encrypt_anonymous_drafts")
SECRET = "My manager takes credit for my work"


@pytest.fixture
def invitation(make_pair, open_survey):
    pair = make_pair()
    survey = open_survey()
    return Invitation.objects.select_related("survey").get(survey=survey, user=pair.apm.user)


def test_an_anonymous_draft_is_stored_as_a_token_that_holds_no_readable_answer(invitation):
    text, nps = question(invitation.survey, "text"), question(invitation.survey, "nps")
    services.invitation_save_draft(invitation=invitation, answers={text.pk: SECRET, nps.pk: 3})
    stored = Invitation.objects.values_list("draft", flat=True).get(pk=invitation.pk)
    assert isinstance(stored, str)
    assert SECRET not in stored
    assert "manager" not in stored
    invitation.refresh_from_db()
    assert selectors.draft_answers(invitation=invitation) == {str(text.pk): SECRET, str(nps.pk): 3}


def test_every_draft_of_a_survey_has_the_same_length_whatever_was_written(invitation):
    text = question(invitation.survey, "text")
    lengths = set()
    for answer in ("", "ok", "x" * 3999, "é" * 4000):
        answers = {text.pk: answer} if answer else {}
        services.invitation_save_draft(invitation=invitation, answers=answers)
        invitation.refresh_from_db()
        lengths.add(len(invitation.draft))
    assert len(lengths) == 1


def test_the_draft_comes_back_in_the_form(client, invitation):
    text = question(invitation.survey, "text")
    services.invitation_save_draft(invitation=invitation, answers={text.pk: "Half written"})
    client.force_login(invitation.user)
    page = client.get(reverse("surveys:answer", args=[invitation.survey_id])).content.decode()
    assert "Half written</textarea>" in page


def test_an_attributed_survey_keeps_its_draft_as_it_was(make_pair, open_survey):
    pair = make_pair()
    survey = open_survey(is_anonymous=False)
    invitation = Invitation.objects.get(survey=survey, user=pair.apm.user)
    nps = question(survey, "nps")
    services.invitation_save_draft(invitation=invitation, answers={nps.pk: 8})
    invitation.refresh_from_db()
    assert invitation.draft == {str(nps.pk): 8}
    assert selectors.draft_answers(invitation=invitation) == {str(nps.pk): 8}


def test_the_migration_encrypts_plaintext_anonymous_drafts_and_reading_takes_both_forms(
    open_survey, invitation
):
    text = question(invitation.survey, "text")
    plain = {str(text.pk): SECRET}
    Invitation.objects.filter(pk=invitation.pk).update(draft=plain)  # saved before encryption
    invitation.refresh_from_db()
    assert selectors.draft_answers(invitation=invitation) == plain  # read as it is
    attributed = open_survey(is_anonymous=False, title="Named")
    named = Invitation.objects.filter(survey=attributed).first()
    Invitation.objects.filter(pk=named.pk).update(draft=plain)

    migration.encrypt_drafts(apps, None)
    invitation.refresh_from_db()
    assert isinstance(invitation.draft, str)
    assert SECRET not in invitation.draft
    assert selectors.draft_answers(invitation=invitation) == plain
    assert Invitation.objects.get(pk=named.pk).draft == plain  # attributed: untouched
    migration.encrypt_drafts(apps, None)  # a second run leaves the token as it is
    assert Invitation.objects.get(pk=invitation.pk).draft == invitation.draft
    assert ballots.decrypt(invitation.draft) == plain

    migration.decrypt_drafts(apps, None)  # and back
    assert Invitation.objects.get(pk=invitation.pk).draft == plain


def test_a_draft_no_key_opens_shows_an_empty_form_and_is_logged(invitation, settings, caplog):
    text = question(invitation.survey, "text")
    services.invitation_save_draft(invitation=invitation, answers={text.pk: "lost"})
    invitation.refresh_from_db()
    settings.SECRET_KEY = "another-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = []
    assert selectors.draft_answers(invitation=invitation) == {}
    assert "could not be decrypted" in caplog.text
