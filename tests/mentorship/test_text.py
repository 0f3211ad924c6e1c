"""Invisible characters: refused by every form field, stripped from queries and names."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from mentorship.common.text import (
    CONTROL_CHARACTER_REFUSED,
    describe_character,
    strip_control_characters,
    validate_text,
)
from mentorship.models import BusinessUnit

# One of each kind: C0, DEL, C1, and every bidirectional control the rule names.
REFUSED_EVERYWHERE = ["\x00", "\x01", "\x0b", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"] + [
    chr(code) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
]
LINE_BREAKS = ["\t", "\n", "\r"]
# Text that looks unusual but is fine: accents, right-to-left script, marks, emoji.
ALLOWED = ["Zoë O\u2019Brien", "محمد", "שלום", "a\u200fb", "日本語", "🙂", "x\u00a0y"]


def refusal(character: str) -> str:
    return CONTROL_CHARACTER_REFUSED % {"character": describe_character(character)}


# --- The rule -----------------------------------------------------------------------------


@pytest.mark.parametrize("character", REFUSED_EVERYWHERE + LINE_BREAKS)
def test_single_line_text_refuses_every_control_character(character):
    with pytest.raises(ValidationError) as error:
        validate_text(f"Ada{character}Lovelace")

    assert error.value.code == "control_character"
    assert error.value.messages == [refusal(character)]


@pytest.mark.parametrize("character", REFUSED_EVERYWHERE)
def test_multi_line_text_refuses_control_characters_other_than_tabs_and_line_breaks(character):
    with pytest.raises(ValidationError):
        validate_text(f"line one\nline{character} two", multiline=True)


def test_multi_line_text_keeps_tabs_and_line_breaks():
    validate_text("one\ttwo\r\nthree\nfour", multiline=True)


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_text_in_any_script_is_accepted(text):
    validate_text(text)


def test_json_values_are_checked_inside_lists_and_objects():
    validate_text(["VA", {"agency": "CMS"}])
    with pytest.raises(ValidationError):
        validate_text(["VA", {"agency": "C\u202eMS"}])
    with pytest.raises(ValidationError):
        validate_text({"\x00": "key"})


def test_the_message_names_the_character_so_it_can_be_found():
    assert describe_character("\u202e") == "U+202E (right-to-left override)"
    assert describe_character("\x00") == "a null character (U+0000)"
    assert describe_character("\t") == "a tab (U+0009)"
    assert describe_character("\x85") == "U+0085 (a control character)"


def test_stripping_keeps_words_apart_and_drops_the_rest():
    assert strip_control_characters("Ada\u202e Lovelace\x00") == "Ada Lovelace"
    assert strip_control_characters("two\twords\nhere") == "two words here"
    assert strip_control_characters("محمد") == "محمد"


# --- Every form field that takes text ------------------------------------------------------


class AllKinds(forms.Form):
    name = forms.CharField()
    notes = forms.CharField(widget=forms.Textarea)
    email = forms.EmailField()
    slug = forms.SlugField(required=False)
    data = forms.JSONField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)


VALID = {"name": "Ada", "notes": "Line one\nline two", "email": "ada@example.org"}


def test_a_form_of_our_own_refuses_control_characters_with_one_clear_message():
    form = AllKinds({**VALID, "name": "Ada\u202eLovelace", "email": "ada\x01@example.org"})

    assert not form.is_valid()
    assert form.errors["name"] == [refusal("\u202e")]
    # One message, not "Enter a valid email address" as well.
    assert form.errors["email"] == [refusal("\x01")]


def test_a_text_area_keeps_its_line_breaks_and_tabs():
    form = AllKinds({**VALID, "notes": "First\tline\r\nsecond line"})

    assert form.is_valid(), form.errors


def test_a_single_line_field_refuses_a_tab_inside_the_text():
    form = AllKinds({**VALID, "name": "Ada\tLovelace"})

    assert form.errors["name"] == [refusal("\t")]


def test_json_passwords_and_slugs_are_text_fields_too():
    form = AllKinds({**VALID, "data": '["\\u202e"]', "secret": "pass\x1bword", "slug": "a\x00"})

    assert set(form.errors) == {"data", "secret", "slug"}


def test_a_widget_changed_after_the_field_was_made_decides_at_validation_time():
    form = AllKinds({**VALID, "name": "two\nlines"})
    form.fields["name"].widget = forms.Textarea()

    assert form.is_valid(), form.errors


def test_admin_model_forms_refuse_control_characters(admin_client):
    response = admin_client.post(
        "/admin/mentorship/businessunit/add/", {"name": "Vet\u202eerans", **inline_management()}
    )

    assert response.status_code == 200
    assert refusal("\u202e") in response.context["adminform"].form.errors["name"]
    assert not BusinessUnit.objects.exists()


def inline_management(prefix="teams"):
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
