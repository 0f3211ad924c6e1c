"""How the "Your data" page shows the export's keys and values."""

from django import template
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape, linebreaks
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def data_label(key: str) -> str:
    text = str(key).replace("_", " ")
    return text[:1].upper() + text[1:]


@register.filter
def data_value(value) -> str:
    """A value as a reader expects it: "—" for nothing, Yes/No, lists joined, text with
    its line breaks; always escaped."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True or value is False:
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    try:  # a text answer may look like a time and not be one ("2026-99-99T00:00")
        moment = parse_datetime(value) if isinstance(value, str) and "T" in value[:11] else None
    except ValueError:
        moment = None
    if moment is not None:  # the export's ISO 8601 times, in the reader's zone
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    if isinstance(value, str) and "\n" in value:
        return mark_safe(linebreaks(conditional_escape(value)))  # noqa: S308 - escaped
    return str(value)
