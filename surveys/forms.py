import re

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape

from mentorship.models import Cohort
from mentorship.roster.forms import CsvUploadForm
from surveys.models import Question, Survey
from surveys.services import QUESTION_NOT_IN_SURVEY, TEXT_LIMIT, survey_dates_check

ANSWER_THIS = "Please answer this question."
CHOOSE_SCALE = "Choose one of the five answers, from 1 (strongly disagree) to 5 (strongly agree)."
CHOOSE_NPS = "Choose a number from 0 (not at all likely) to 10 (extremely likely)."
CHOOSE_YES_NO = "Choose yes or no."
CHOOSE_OPTION = "Choose one of the options listed."
CHOOSE_OPTIONS = "Choose only from the options listed."
TEXT_TOO_LONG = "Keep your answer under 4,000 characters (it has %(show_value)s)."
FIELD_NAME = re.compile(r"^q_(\d+)$")


def field_name(question: Question) -> str:
    return f"q_{question.pk}"


def _field(question: Question, *, draft: bool) -> forms.Field:
    required = question.required and not draft
    # Form templates (Django's and crispy's) print help texts with |safe, as if they were
    # HTML we wrote; this one is the committee's plain text, so escape it here.
    help_text = escape(question.help_text)
    common = {"label": question.text, "help_text": help_text, "required": required}
    kind = question.kind
    if kind == Question.Kind.SCALE:
        choices = [(str(v), f"{v} · {label}") for v, label in Question.SCALE_LABELS.items()]
        field = forms.TypedChoiceField(choices=choices, coerce=int, widget=forms.RadioSelect,
                                       **common)  # fmt: skip
        invalid = CHOOSE_SCALE
    elif kind == Question.Kind.NPS:
        choices = [(str(v), str(v)) for v in range(11)]
        field = forms.TypedChoiceField(choices=choices, coerce=int, widget=forms.RadioSelect,
                                       **common)  # fmt: skip
        if not question.help_text:
            field.help_text = "0 means not at all likely, 10 extremely likely."
        invalid = CHOOSE_NPS
    elif kind == Question.Kind.YES_NO:
        choices = [(str(Question.YES), "Yes"), (str(Question.NO), "No")]
        field = forms.TypedChoiceField(choices=choices, coerce=int, widget=forms.RadioSelect,
                                       **common)  # fmt: skip
        invalid = CHOOSE_YES_NO
    elif kind == Question.Kind.SINGLE:
        choices = [(option, option) for option in question.option_list]
        field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        invalid = CHOOSE_OPTION
    elif kind == Question.Kind.MULTIPLE:
        choices = [(option, option) for option in question.option_list]
        field = forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
        invalid = CHOOSE_OPTIONS
    else:
        field = forms.CharField(
            max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 4}), **common
        )
        field.error_messages["max_length"] = TEXT_TOO_LONG
        invalid = ANSWER_THIS
    field.error_messages["required"] = ANSWER_THIS
    field.error_messages["invalid_choice"] = invalid
    field.error_messages["invalid_list"] = invalid
    return field


class AnswerForm(forms.Form):
    """A survey's questions as a form; ``answers()`` gives {question id: value} to a service.

    ``draft=True`` relaxes "required" (a draft may be unfinished) but still refuses
    values that are not possible answers.
    """

    def __init__(self, *args, questions: list[Question], draft: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[field_name(question)] = _field(question, draft=draft)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(
                InlineRadios(field_name(q))
                if q.kind == Question.Kind.NPS
                else Field(field_name(q))
                for q in questions
            )
        )

    @classmethod
    def initial_from_draft(cls, draft: dict | None) -> dict:
        return {f"q_{key}": value for key, value in (draft or {}).items()}

    def clean(self):
        cleaned = super().clean()
        # An answer to a question that is not on this form was forged or is stale.
        names = {key for key in self.data if FIELD_NAME.match(key)}
        if names - self.fields.keys():
            raise forms.ValidationError(QUESTION_NOT_IN_SURVEY, code="unknown_question")
        return cleaned

    def answers(self) -> dict[int, object]:
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question))
            if value in (None, "", []):
                continue
            answers[question.pk] = value
        return answers


class FromTemplateForm(forms.Form):
    """Admin: start a survey for a cohort from a template."""

    cohort = forms.ModelChoiceField(queryset=Cohort.objects.exclude(status=Cohort.Status.DRAFT))
    title = forms.CharField(max_length=200)
    opens_at = forms.DateTimeField(
        label="Opens", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label="Closes", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def clean(self):
        cleaned = super().clean()
        try:
            survey_dates_check(
                opens_at=cleaned.get("opens_at"), closes_at=cleaned.get("closes_at")
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class SurveyAdminForm(forms.ModelForm):
    """Admin edits: the dates of a survey that has closed are final."""

    class Meta:
        model = Survey
        fields = ["cohort", "title", "intro", "audience", "is_anonymous", "opens_at", "closes_at"]

    def clean(self):
        cleaned = super().clean()
        survey = self.instance
        if survey.pk and not survey.is_template:
            original = Survey.objects.get(pk=survey.pk)
            if original.has_closed():
                raise forms.ValidationError(
                    "This survey has closed and its results are final, so it cannot be "
                    "reopened or changed."
                )
        if not survey.is_template and "cohort" in self.fields and not cleaned.get("cohort"):
            self.add_error("cohort", "Choose the cohort this survey is for.")
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if not survey.is_template:
            if "opens_at" in self.fields and not opens:
                self.add_error("opens_at", "Set when the survey opens.")
            if "closes_at" in self.fields and not closes:
                self.add_error("closes_at", "Set when the survey closes.")
            if closes and not self.has_error("closes_at"):
                try:
                    survey_dates_check(
                        opens_at=opens or survey.opens_at, closes_at=closes, future=False
                    )
                except ValidationError as error:
                    self.add_error(None, error)
        return cleaned


class EligibleUploadForm(CsvUploadForm):
    """The eligible-population file, as the roster's upload takes its file."""

    file_label = "Eligible population file (CSV)"
    rows = "One row per person who could have joined,"
