from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from matching.engine import Weights
from matching.models import Match, RematchRequest
from mentorship.models import Cohort, Enrollment, Role


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
        labels = {
            "shared_interests": "Shared interests",
            "other_unit": "Different business unit",
            "career_track": "Career track fit",
            "time_zone": "Time-zone overlap",
            "agencies_domains": "Agencies and domains in common",
        }
        for name, value in defaults.items():
            self.fields[f"weight_{name}"] = forms.FloatField(
                label=f"{labels.get(name, name)} (points)",
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
