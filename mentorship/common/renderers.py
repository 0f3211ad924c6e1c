"""Form widgets drawn from Django's Jinja2 templates, the rest from Django's own.

Django draws every widget, label and error list of a form through a template: about
fifty template renders for one admin change form, a third of the page's time (a
profile's change form took 29 ms alone at 10,000 people). Django ships each of its
form templates twice, for its own template language and for Jinja2, with the same
HTML, and Jinja2 draws them several times faster (the profile's form: 24 ms).

``FormRenderer`` draws with Django's Jinja2 templates and falls back to Django's
template language for the templates that exist only there (the admin's widgets, such
as the related-object wrapper and the split date and time). Which names Jinja2 lacks is
remembered, so a fallback costs one dictionary look-up after the first.

tests/test_form_renderer.py draws every admin form and the participants' forms with
both and compares the HTML.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    def __init__(self):
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()
        self._only_django: set[str] = set()

    def get_template(self, template_name):
        if template_name not in self._only_django:
            try:
                return self.jinja2.get_template(template_name)
            except TemplateDoesNotExist:
                self._only_django.add(template_name)
        return self.django.get_template(template_name)
