"""Invisible characters in what people type: refused in forms, stripped where refusing is wrong.

Control characters (C0, DEL and C1) and the Unicode bidirectional embeddings, overrides
and isolates (U+202A to U+202E, U+2066 to U+2069) have no place in anything typed here.
PostgreSQL refuses NUL outright, so one in a search answered with an error page; an
override makes a name read backwards wherever it is shown. Tab, line feed and carriage
return are fine in multi-line text, and nowhere else.

Forms refuse them with a field error (every form field that takes text, through
``refuse_control_characters_in_forms``); query parameters and names drop them
(``strip_control_characters``): an address someone followed is not a place to argue,
and a name should read the same everywhere.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError

# One range each: C0, then DEL and C1, then the bidirectional controls.
_CONTROL = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
CONTROL_CHARACTERS = re.compile(f"[{_CONTROL}]")
# The same without tab (U+0009), line feed (U+000A) and carriage return (U+000D).
CONTROL_CHARACTERS_IN_MULTILINE_TEXT = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
LINE_BREAKS_AND_TABS = "\t\n\r"

CONTROL_CHARACTER_REFUSED = (
    "This contains a hidden character that can't be saved here: %(character)s. It usually "
    "comes along when text is pasted. Delete it, or type the text again, and save."
)
_FRIENDLY_NAMES = {
    "\t": "a tab (U+0009)",
    "\n": "a line break (U+000A)",
    "\r": "a line break (U+000D)",
    "\x00": "a null character (U+0000)",
}


def describe_character(character: str) -> str:
    """'a tab (U+0009)', 'U+202E (right-to-left override)': what a person can search for."""
    if character in _FRIENDLY_NAMES:
        return _FRIENDLY_NAMES[character]
    name = unicodedata.name(character, "").lower() or "a control character"
    return f"U+{ord(character):04X} ({name})"


def _strings(value):
    """The texts in a value: itself, or every key and item of a JSON list or object."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)


def validate_text(value, *, multiline: bool = False) -> None:
    """Refuse text with a control or bidirectional character (tab and line breaks are
    allowed in ``multiline`` text). Lists and objects (JSON fields) are checked inside."""
    pattern = CONTROL_CHARACTERS_IN_MULTILINE_TEXT if multiline else CONTROL_CHARACTERS
    for text in _strings(value):
        found = pattern.search(text)
        if found:
            raise ValidationError(
                CONTROL_CHARACTER_REFUSED,
                code="control_character",
                params={"character": describe_character(found.group())},
            )


def strip_control_characters(text: str) -> str:
    """The text without control or bidirectional characters; tabs and line breaks become
    spaces, so that the words on either side stay apart."""
    return CONTROL_CHARACTERS.sub(
        lambda found: " " if found.group() in LINE_BREAKS_AND_TABS else "", text
    )


def refuse_control_characters_in_forms() -> None:
    """Every form field that takes text refuses control characters: ours, the admin's and
    allauth's alike, so that no form can forget.

    Django gives every ``forms.CharField`` (email, slug, URL, JSON and password fields
    included) its check for NUL the same way, inside the field. The check runs in
    ``validate``, before the field's validators, so a pasted character gets this one
    message rather than "Enter a valid email address" as well. A field shown as a text
    area (multi-line) keeps its tabs and line breaks. Called once, from the app's
    ``ready()``.
    """
    if getattr(forms.CharField.validate, "refuses_control_characters", False):
        return
    validate = forms.CharField.validate

    def validate_without_control_characters(field, value):
        validate(field, value)
        validate_text(value, multiline=isinstance(field.widget, forms.Textarea))

    validate_without_control_characters.refuses_control_characters = True
    forms.CharField.validate = validate_without_control_characters
