"""Form widgets for long lists of choices.

Django writes each option of a select through two included templates (the option, then
its attributes), after building a dictionary of a dozen keys for it. For the intake
form's 600 time zones and 100 teams that was about 30 ms of a page that should take a
few. ``ListSelect`` writes the same markup (groups, ``selected``, everything escaped)
straight from its choices.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe


class ListSelect(forms.Select):
    """A single-choice ``Select`` whose options are written in Python (see above).

    Options carry no attributes of their own, as with Django's ``Select``.
    """

    allow_multiple_selected = False

    def render(self, name, value, attrs=None, renderer=None):
        attributes = self.build_attrs(self.attrs, attrs)
        return mark_safe(  # noqa: S308 - the name is escaped, the options are safe
            f'<select name="{escape(name)}"{flatatt(attributes)}>'
            f"{self.render_options(value)}</select>"
        )

    def render_options(self, value) -> str:
        """The options alone, ``value`` selected (what htmx swaps into a list)."""
        chosen = {str(v) for v in self.format_value(value)}
        html = []
        found = False

        def option(option_value, label):
            nonlocal found
            option_value = "" if option_value is None else str(option_value)
            selected = not found and option_value in chosen
            found = found or selected
            html.append(
                f'<option value="{escape(option_value)}"{" selected" if selected else ""}>'
                f"{escape(label)}</option>"
            )

        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                html.append(f'<optgroup label="{escape(option_value)}">')
                for inner_value, inner_label in label:
                    option(inner_value, inner_label)
                html.append("</optgroup>")
            else:
                option(option_value, label)
        return mark_safe("".join(html))  # noqa: S308 - every value above is escaped
