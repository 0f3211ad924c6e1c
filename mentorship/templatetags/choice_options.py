"""``{% choice_options %}``: the options of a group of radios or checkboxes, for crispy-forms.

crispy-bootstrap5 draws each option of a ``RadioSelect`` or ``CheckboxSelectMultiple``
with a loop in its ``bootstrap5/layout/radio_checkbox_select.html``, an include and a
dozen look-ups per option: the intake's choice fields took about 20 ms of the page's
50, and the meeting form's topics (a hundred checkboxes) 13 ms of its 35 (issue 13).
``templates/bootstrap5/layout/radio_checkbox_select.html`` keeps that template's frame
and draws the options with this tag, which writes the same HTML in one pass.
tests/test_choice_options.py compares both templates' HTML on every form that has such
a group.
"""

from html import escape

from crispy_forms.templatetags.crispy_forms_filters import optgroups
from django import template
from django.templatetags.l10n import unlocalize
from django.utils.safestring import mark_safe

register = template.Library()

ERRORS_TEMPLATE = "bootstrap5/layout/field_errors_block.html"


def escaped(value) -> str:
    """``conditional_escape`` without its lazy-string wrapper (a hundred options a page)."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def _attrs(attrs: dict) -> str:
    """An option's attributes, as crispy-bootstrap5's ``layout/attrs.html`` writes them."""
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


@register.simple_tag(takes_context=True)
def choice_options(context) -> str:
    field = context["field"]
    inline = bool(context.get("inline_class"))
    wrapper = "form-check form-check-inline" if inline else "form-check"
    invalid = " is-invalid" if field.errors else ""
    name = escaped(field.html_name)
    groups = list(optgroups(field))
    parts = []
    for number, (group, options, _index) in enumerate(groups, start=1):
        if group:
            parts.append(f"<strong>{escaped(group)}</strong>")
        for count, option in enumerate(options, start=1):
            attrs = option["attrs"]
            # The field's errors follow its very last option (inline: after the group).
            errors = ""
            if invalid and not inline and number == len(groups) and count == len(options):
                errors = context.template.engine.get_template(ERRORS_TEMPLATE).render(context)
            parts.append(
                f'<div class="{wrapper}"><input type="{escaped(option["type"])}" '
                f'class="form-check-input{invalid}" name="{name}" '
                f'value="{escaped(unlocalize(option["value"]))}"{_attrs(attrs)}>'
                f'<label for="{escaped(attrs.get("id", ""))}" class="form-check-label">'
                f"{escaped(unlocalize(option['label']))}</label>{errors}</div>"
            )
    return mark_safe("".join(parts))  # noqa: S308 - every value in it was escaped above
