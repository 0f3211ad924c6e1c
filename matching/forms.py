from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout
from django import forms
from django.contrib import admin
from django.utils import timezone

from matching.engine import Weights
from matching.engine.records import PART_LABELS
from matching.models import Match, Meeting, RematchRequest
from mentorship.common.admin_input import AutocompleteSelect
from mentorship.models import Cohort, Enrollment, Role
from toolkit.models import Topic


class RunForm(forms.Form):
    """Start a matching run: the cohort and, optionally, the weights of the score parts."""

    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.filter(status__in=Cohort.MATCHABLE_STATUSES),
        help_text="Cohorts whose intake has closed. Close a cohort's intake from its list "
        "(Cohorts → Close intake) to match it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        defaults = Weights().as_dict()
        for name, value in defaults.items():
            self.fields[f"weight_{name}"] = forms.FloatField(
                label=f"{PART_LABELS.get(name, name)} (points)",
                initial=value,
                min_value=0,
                max_value=100,
            )

    def weights(self) -> dict:
        return {
            name.removeprefix("weight_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("weight_")
        }


class HandMatchForm(forms.Form):
    apm = forms.ModelChoiceField(
        queryset=Enrollment.objects.filter(role=Role.APM).select_related("user", "cohort"),
        label="APM",
    )
    mentor = forms.ModelChoiceField(
        queryset=Enrollment.objects.filter(role=Role.MENTOR).select_related("user", "cohort"),
        label="Mentor",
    )
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason to override a rule",
        help_text="Needed only when the pair breaks a rule that may be overridden.",
    )

    def __init__(self, *args, admin_site=admin.site, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("apm", "mentor"):
            field = self.fields[name]
            field.widget = AutocompleteSelect(Match._meta.get_field(name), admin_site)
            field.widget.choices = field.choices  # bind the queryset-backed choices


class RematchRequestForm(forms.ModelForm):
    class Meta:
        model = RematchRequest
        fields = ["reason"]
        labels = {"reason": "Why would you like a new match?"}
        help_texts = {
            "reason": "Only the committee reads this. Your partner is not told why.",
        }
        widgets = {"reason": forms.Textarea(attrs={"rows": 4})}


MEETING_IN_FUTURE = "This meeting's date is in the future. Log meetings once they've happened."
TIME_WITHOUT_DATE = "Add the date of the next meeting too, or leave its time blank."
NEXT_BEFORE_MEETING = "The next meeting has to come after this one (%(date)s)."


TOPIC_FILTER = """
<div class="mb-2" hidden>
  <label class="form-label" for="topic-filter">Find a topic you talked about</label>
  <input type="search" id="topic-filter" class="form-control" autocomplete="off"
         data-filter-checkboxes="#topic-choices" aria-describedby="topic-filter-count">
  <p id="topic-filter-count" class="form-text mb-0" role="status"></p>
</div>
"""


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["occurred_on", "duration_minutes", "topics", "notes", "next_meeting_on"]
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}),
            "next_meeting_on": forms.DateInput(attrs={"type": "date"}),
            "topics": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"duration_minutes": "How long did you meet? (minutes)"}
        help_texts = {
            "topics": "Optional: toolkit topics you talked about. They leave your suggestions.",
            "next_meeting_on": "Optional. Booked a next meeting? Add its date: you both get "
            "a calendar invitation.",
        }

    next_meeting_time = forms.TimeField(
        required=False,
        label="At what time?",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def __init__(self, *args, topics=None, time_zone="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_meeting_time"].help_text = (
            f"Optional, in your time zone ({time_zone}). Without a time the invitation is "
            "for the whole day."
            if time_zone
            else "Optional. Without a time the invitation is for the whole day."
        )
        self.fields["occurred_on"].initial = timezone.localdate

        self.fields["topics"].queryset = (
            topics
            if topics is not None
            else Topic.objects.filter(is_published=True).select_related("category")
        )
        # Grouped by category, a filter box above them (static/js/checkbox-filter.js).
        groups: dict[str, list] = {}
        for topic in self.fields["topics"].queryset.order_by("category__order", "category__name",
                                                                "title"):  # fmt: skip
            groups.setdefault(topic.category.name, []).append((topic.pk, topic.title))
        self.fields["topics"].choices = list(groups.items())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(Div("occurred_on", css_class="col-md-6"),
                Div("duration_minutes", css_class="col-md-6"), css_class="row"),
            HTML(TOPIC_FILTER),
            Div("topics", css_class="topic-checkboxes", css_id="topic-choices"),
            "notes",
            Div(Div("next_meeting_on", css_class="col-md-6"),
                Div("next_meeting_time", css_class="col-md-6"), css_class="row"),
        )  # fmt: skip

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(MEETING_IN_FUTURE, code="future")
        return day

    def clean(self):
        cleaned = super().clean()
        day, next_day = cleaned.get("occurred_on"), cleaned.get("next_meeting_on")
        if day and next_day and next_day <= day:
            self.add_error(
                "next_meeting_on",
                forms.ValidationError(
                    NEXT_BEFORE_MEETING, code="next_before", params={"date": day.isoformat()}
                ),
            )
        time_alone = cleaned.get("next_meeting_time") and not next_day
        if time_alone and "next_meeting_on" not in self.errors:
            error = forms.ValidationError(TIME_WITHOUT_DATE, code="time_without_date")
            self.add_error("next_meeting_on", error)
        return cleaned
