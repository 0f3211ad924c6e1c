"""Encrypt the drafts of anonymous surveys saved before drafts were encrypted.

A plaintext draft sits next to its person's name and can be matched by content against
the response that follows; from now on anonymous drafts are stored as a padded Fernet
token (``surveys.ballots``). Reading accepts both forms, so a draft this migration
missed is still shown to its owner; reversing decrypts them again.
"""

from django.db import migrations

from surveys import ballots


def encrypt_drafts(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    Question = apps.get_model("surveys", "Question")
    lengths = {}
    drafts = Invitation.objects.filter(survey__is_anonymous=True, draft__isnull=False)
    for invitation in drafts.iterator():
        if not isinstance(invitation.draft, dict):
            continue  # already a token
        if invitation.survey_id not in lengths:
            questions = Question.objects.filter(survey_id=invitation.survey_id)
            lengths[invitation.survey_id] = ballots.padded_length(questions)
        token = ballots.encrypt(invitation.draft, length=lengths[invitation.survey_id])
        Invitation.objects.filter(pk=invitation.pk).update(draft=token)


def decrypt_drafts(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    drafts = Invitation.objects.filter(survey__is_anonymous=True, draft__isnull=False)
    for invitation in drafts.iterator():
        if isinstance(invitation.draft, str):
            try:
                draft = ballots.decrypt(invitation.draft)
            except ballots.UnreadableError:
                draft = None  # no key opens it: it was unreadable already
            Invitation.objects.filter(pk=invitation.pk).update(draft=draft)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_ballot")]

    operations = [migrations.RunPython(encrypt_drafts, decrypt_drafts)]
