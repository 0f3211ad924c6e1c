"""``{% crispy_field_html %}``: crispy-bootstrap5's ``bootstrap5/field.html``, in Python.

crispy-forms draws every field of a form through that template: its wrapper, label,
widget, errors and help text take some forty ``{% if %}``, three includes and the
``{% crispy_field %}`` tag, about half a millisecond a field: a sixth of the intake's
time (issue 13). ``templates/bootstrap5/field.html`` calls this tag instead, which
writes the same HTML in one pass for the fields our forms have. What it does not draw
(a horizontal form's label and field columns, a field in a table cell, a file input) it
hands to crispy-bootstrap5's own template. tests/test_crispy_field.py compares both on
every participant form, blank and sent back with errors, and on a form with every case.
"""

from functools import cache
from pathlib import Path

import crispy_bootstrap5
from django import forms, template
from django.conf import settings
from django.utils.safestring import mark_safe

from mentorship.templatetags.choice_options import escaped

register = template.Library()

CHOICE_GROUP_TEMPLATE = "bootstrap5/layout/radio_checkbox_select.html"
CRISPYS = Path(crispy_bootstrap5.__file__).parent / "templates" / "bootstrap5" / "field.html"


@cache
def _crispys_template(engine) -> template.Template:
    """crispy-bootstrap5's own field.html (ours takes its name), for what we do not draw."""
    return template.Template(CRISPYS.read_text(), engine=engine)


def _hands_over(context, field) -> bool:
    return bool(
        context.get("tag")
        or context.get("label_class")
        or context.get("field_class")
        or "form-horizontal" in (context.get("form_class") or "")
        or isinstance(field.field.widget, forms.FileInput)
    )


def _widget(field, classes: str) -> str:
    """The widget with these classes added, as ``{% crispy_field field 'class' ... %}``:
    first the widget's own class name in lower case (or its CRISPY_CLASS_CONVERTERS
    entry), then each of ``classes`` not there yet."""
    widget = field.field.widget
    converters = getattr(settings, "CRISPY_CLASS_CONVERTERS", {})
    for inner in getattr(widget, "widgets", [getattr(widget, "widget", widget)]):
        name = inner.__class__.__name__.lower()
        name = converters.get(name, name)
        css = inner.attrs.get("class", "")
        if not css:
            css = name
        elif css.find(name) == -1:
            css += f" {name}"
        words = css.split()
        css += "".join(f" {word}" for word in classes.split() if word not in words)
        inner.attrs["class"] = css
    return str(field)


def _label_text(field) -> str:
    required = '<span class="asteriskField">*</span>' if field.field.required else ""
    return f"{escaped(field.label)}{required}"


def _help_text(field, inline: bool) -> str:
    if not field.help_text:
        return ""
    auto_id = escaped(field.auto_id)
    if inline:
        return f'<span id="{auto_id}_helptext" class="form-text">{field.help_text}</span>'
    where = f'id="{auto_id}_helptext" ' if field.auto_id else ""
    return f'<div {where}class="form-text">{field.help_text}</div>'


def _errors(context, field, inline: bool) -> str:
    if not (context.get("form_show_errors") and field.errors):
        return ""
    element = "span" if inline else "p"
    auto_id = escaped(field.auto_id)
    lines = "".join(
        f'<{element} id="error_{number}_{auto_id}"><strong>{escaped(error)}</strong></{element}>'
        for number, error in enumerate(field.errors, start=1)
    )
    field_id = escaped(getattr(field.errors, "field_id", ""))  # None is "None", as in the template
    return f'<div id="{field_id}_error" class="invalid-feedback">{lines}</div>'


def _help_text_and_errors(context, field) -> str:
    """bootstrap5/layout/help_text_and_errors.html"""
    help_inline, error_inline = context.get("help_text_inline"), context.get("error_text_inline")
    before = _help_text(field, help_inline) if help_inline and not error_inline else ""
    after = "" if help_inline else _help_text(field, False)
    return before + _errors(context, field, bool(error_inline)) + after


@register.simple_tag(takes_context=True)
def crispy_field_html(context) -> str:
    field = context["field"]
    if field.is_hidden:
        return str(field)
    if _hands_over(context, field):
        return _crispys_template(context.template.engine).render(context)
    widget = field.field.widget
    checkbox = isinstance(widget, forms.CheckboxInput)
    show_labels = context.get("form_show_labels")
    required = " requiredField" if field.field.required else ""
    invalid = " is-invalid" if field.errors else ""
    classes = ["form-check" if checkbox and show_labels else "mb-3"]
    classes += [c for c in (context.get("wrapper_class"), field.css_classes()) if c]
    parts = ['<div class="mb-3">'] if checkbox else []
    parts.append(f'<div id="div_{escaped(field.auto_id)}" class="{escaped(" ".join(classes))}">')
    fieldset = field.use_fieldset
    if field.label and not checkbox and show_labels:
        if fieldset:
            described = field.aria_describedby
            described = f' aria-describedby="{escaped(described)}"' if described else ""
            parts.append(f"<fieldset{described}>")
        element = "legend" if fieldset else "label"
        target = f'for="{escaped(field.id_for_label)}" ' if field.id_for_label else ""
        extra = " fs-6" if fieldset else ""
        label = _label_text(field)
        parts.append(f'<{element} {target}class="form-label{required}{extra}">{label}</{element}>')
    if isinstance(widget, forms.RadioSelect):  # CheckboxSelectMultiple is one too
        parts.append(context.template.engine.get_template(CHOICE_GROUP_TEMPLATE).render(context))
    elif checkbox and show_labels:
        parts.append(_widget(field, f"form-check-input{invalid}"))
        parts.append(
            f'<label for="{escaped(field.id_for_label)}" class="form-check-label{required}">'
            f"{_label_text(field)}</label>"
        )
        parts.append(_help_text_and_errors(context, field))
    else:
        kind = "form-select" if isinstance(widget, forms.Select) else (
            "form-check-input" if checkbox else "form-control"
        )  # fmt: skip
        parts.append(_widget(field, kind + invalid))
        parts.append(_help_text_and_errors(context, field))
    if fieldset and field.label and show_labels:
        parts.append("</fieldset>")
    parts.append("</div>")
    if checkbox:
        parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308 - every value in it was escaped above
