from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentorship import selectors
from mentorship.common.time_zones import TimeZoneSelect
from mentorship.common.widgets import ListSelect
from mentorship.graduation.promotions import promotion_check
from mentorship.models import (
    CareerTrack,
    Enrollment,
    NotificationPreference,
    Profile,
    Role,
    User,
)
from mentorship.selectors import password_reset_allowed
from toolkit.models import Category

TIME_ZONE_HELP = "Type the first letters of your city to find it; the usual ones come first."
OWN_MANAGER = "You can't be your own manager. Leave this blank if you don't have one."
TEAM_NOT_IN_UNIT = "%(team)s is not part of %(unit)s. Pick a team in your business unit."
MANAGER_EMAIL_HELP = "We use this only to make sure you are never matched with your own manager."


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with the person's name first, so the site greets them by name
    from the first page (the navigation used to show their email address)."""

    full_name = User._meta.get_field("full_name").formfield(
        required=True,
        label="Your name",
        help_text="As your colleagues know you, for example Avery Park.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["full_name", "email", "password1", "password2"])

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())


class ResetPasswordForm(AllauthResetPasswordForm):
    """allauth's "forgot password" form, mailing links only to proven addresses.

    allauth sends a reset link to any address on an account, confirmed or not, so
    whoever once added their own address to someone's account could take it over.
    An address that is on an account but not verified now gets nothing at all, and the
    page says what it says for any other address (ACCOUNT_FORMS in settings).
    """

    def clean_email(self):
        email = super().clean_email()
        found = self.users
        self.users = [user for user in found if password_reset_allowed(user=user, email=email)]
        # Not the "no account here" email that an unknown address gets: there is one.
        self.withheld = bool(found) and not self.users
        if self.withheld and not allauth_settings.PREVENT_ENUMERATION:
            raise get_adapter().validation_error("unknown_email")
        return email

    def save(self, request, **kwargs):
        if self.withheld:
            return self.cleaned_data["email"]
        return super().save(request, **kwargs)


def split_list(text: str) -> list[str]:
    """'VA, CMS;  USDS' -> ['VA', 'CMS', 'USDS'] (duplicates dropped, order kept)."""
    items = [part.strip() for part in text.replace(";", ",").split(",")]
    return list(dict.fromkeys(item for item in items if item))


def team_choices(teams, unit_id=None) -> list:
    """The team list: only the chosen unit's teams, or every team grouped by its unit."""
    chosen = [t for t in teams if str(t.business_unit_id) == str(unit_id)] if unit_id else []
    if chosen:
        return [("", "Choose your team"), *((t.pk, str(t)) for t in chosen)]
    groups: dict[str, list] = {}
    for team in teams:
        groups.setdefault(team.business_unit.name, []).append((team.pk, str(team)))
    return [("", "Choose your team"), *groups.items()]


class ProfileForm(forms.ModelForm):
    """The parts of a person's profile that the intake asks for."""

    full_name = forms.CharField(max_length=200, label="Your name")
    manager_email = forms.EmailField(
        required=False, label="Your manager's work email", help_text=MANAGER_EMAIL_HELP
    )
    agencies_text = forms.CharField(
        required=False,
        max_length=500,
        label="Government agencies you have worked with",
        help_text="Separate with commas, for example: VA, CMS, IRS.",
    )
    domains_text = forms.CharField(
        required=False,
        max_length=500,
        label="Domains you know",
        help_text="Separate with commas, for example: veterans' health, benefits, tax.",
    )

    class Meta:
        model = Profile
        fields = [
            "pronouns",
            "title",
            "level",
            "years_in_product",
            "bio",
            "business_unit",
            "team",
            "time_zone",
        ]
        labels = {
            "pronouns": "Pronouns (optional)",
            "title": "Job title",
            "years_in_product": "Years in product management",
            "bio": "A short bio",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 3}), "team": ListSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        teams = list(selectors.teams_with_units())
        self.fields["team"].queryset = selectors.teams_with_units()
        for name in ("title", "business_unit", "team"):
            self.fields[name].required = True
        # Without script the teams are grouped by unit; with htmx, choosing the unit
        # narrows the list to its teams (views.intake_teams draws the same options).
        unit_id = self.data.get(self.add_prefix("business_unit")) if self.is_bound else (
            self.instance.business_unit_id if self.instance.pk else None
        )  # fmt: skip
        self.fields["team"].widget.choices = team_choices(teams, unit_id)
        self.fields["business_unit"].widget.attrs.update(
            {"hx-get": reverse("intake_teams"), "hx-target": "#id_team", "hx-swap": "innerHTML",
             "hx-include": "#id_team", "hx-trigger": "change", "hx-sync": "this:replace"}
        )  # fmt: skip
        profile = self.instance
        saved_zone = profile.time_zone if profile.pk else ""
        self.fields["time_zone"].widget = TimeZoneSelect(saved_zone)
        self.fields["time_zone"].help_text = TIME_ZONE_HELP
        if not profile.pk:
            self.initial["time_zone"] = ""  # the person chooses; no guess for them
        self.fields["full_name"].initial = user.full_name
        if profile.pk:
            self.fields["manager_email"].initial = profile.manager.email if profile.manager else ""
            self.fields["agencies_text"].initial = ", ".join(profile.agencies)
            self.fields["domains_text"].initial = ", ".join(profile.domains)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "About you",
                Div(Div("full_name", css_class="col-md-8"), Div("pronouns", css_class="col-md-4"),
                    css_class="row"),
                Div(Div("title", css_class="col-md-6"), Div("level", css_class="col-md-6"),
                    css_class="row"),
                "years_in_product",
                "bio",
            ),
            Fieldset(
                "Where you work",
                Div(Div("business_unit", css_class="col-md-6"), Div("team", css_class="col-md-6"),
                    css_class="row"),
                "manager_email",
                "time_zone",
            ),
            Fieldset("Government experience", "agencies_text", "domains_text"),
        )  # fmt: skip

    def clean_manager_email(self):
        email = self.cleaned_data["manager_email"].strip().lower()
        if email and email == self.user.email.lower():
            raise forms.ValidationError(OWN_MANAGER, code="own_manager")
        return email

    def clean(self):
        cleaned = super().clean()
        unit, team = cleaned.get("business_unit"), cleaned.get("team")
        if unit and team and team.business_unit_id != unit.pk:
            self.add_error(
                "team",
                forms.ValidationError(
                    TEAM_NOT_IN_UNIT, code="team_not_in_unit", params={"team": team, "unit": unit}
                ),
            )
        return cleaned

    def profile_data(self) -> dict:
        """Cleaned values as the service expects them (manager by email)."""
        data = {field: self.cleaned_data[field] for field in self.Meta.fields}
        data["agencies"] = split_list(self.cleaned_data["agencies_text"])
        data["domains"] = split_list(self.cleaned_data["domains_text"])
        data["manager_email"] = self.cleaned_data["manager_email"]
        return data


class CategoryCheckboxes(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


class IntakeForm(forms.ModelForm):
    """The intake answers; the questions depend on the role."""

    topics = CategoryCheckboxes(queryset=Category.objects.all())
    shared_with_mentor = forms.MultipleChoiceField(
        required=False,
        choices=list(Enrollment.SHAREABLE_FIELDS.items()),
        widget=forms.CheckboxSelectMultiple,
        label="Which of these answers may your mentor see?",
        help_text="Your mentor sees only what you tick here. The committee sees all of it.",
    )

    class Meta:
        model = Enrollment
        fields = [
            "topics",
            "goals",
            "career_track",
            "cadence",
            "prefers_other_unit",
            "capacity",
            "shared_with_mentor",
            "notes_for_committee",
        ]
        widgets = {
            "career_track": forms.RadioSelect,
            "cadence": forms.RadioSelect,
            "goals": forms.Textarea(attrs={"rows": 4}),
            "notes_for_committee": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        fields = self.fields
        if not self.instance.pk:
            # A new intake starts with these unanswered: the model's defaults are for
            # rows made elsewhere (the roster), not answers to choose for the person.
            given = kwargs.get("initial") or {}
            for name in ("career_track", "cadence", "prefers_other_unit", "capacity"):
                if name not in given:
                    self.initial[name] = None
        fields["prefers_other_unit"] = forms.TypedChoiceField(
            choices=[(True, "Yes, from another business unit"), (False, "No preference")],
            coerce=lambda value: value in (True, "True"),
            widget=forms.RadioSelect,
            label="Would you like a mentor from another business unit?",
            help_text="APMs tell us the distance makes conversations more open.",
        )
        fields["notes_for_committee"].label = "Anything else the committee should know?"
        fields["notes_for_committee"].help_text = "Only the committee reads this."
        fields["cadence"].label = "How often would you like to meet?"
        if role == Role.APM:
            fields["topics"].label = "What would you like to talk about with your mentor?"
            fields["topics"].help_text = "Choose at least one."
            fields["goals"].label = "What do you want to get out of the program?"
            fields["goals"].required = True
            fields["career_track"].label = "Which career track interests you?"
            del fields["capacity"]
            sections = [
                Fieldset("Your interests and goals", "topics", "goals", "career_track"),
                Fieldset("Your mentor and meetings", "prefers_other_unit", "cadence"),
                Fieldset("Sharing", "shared_with_mentor"),
                Fieldset("For the committee", "notes_for_committee"),
            ]
        else:
            fields["topics"].label = "Which topics can you coach?"
            fields["topics"].help_text = "Choose at least one."
            fields["career_track"].label = "Your own career track"
            fields["career_track"].choices = [
                (CareerTrack.PEOPLE_MANAGER, "People manager (I manage people)"),
                (CareerTrack.INDIVIDUAL_CONTRIBUTOR, "Individual contributor"),
                (CareerTrack.UNDECIDED, "Still deciding"),
            ]
            fields["capacity"] = forms.TypedChoiceField(
                coerce=int,
                choices=[(1, "1 APM"), (2, "2 APMs"), (3, "3 APMs")],
                widget=forms.RadioSelect,
                label="How many APMs can you mentor this cohort?",
                initial=self.instance.capacity,
            )
            for name in ("goals", "prefers_other_unit", "shared_with_mentor"):
                del fields[name]
            sections = [
                Fieldset("Coaching", "capacity", "topics", "career_track"),
                Fieldset("Meetings", "cadence"),
                Fieldset("For the committee", "notes_for_committee"),
            ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*sections)

    def intake_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.fields}
        if self.role == Role.APM:
            data["capacity"] = None
        else:
            data.update(goals="", prefers_other_unit=False, shared_with_mentor=[])
        return data


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["nudges_enabled"]


# --- Promotions and the journey --------------------------------------------------------


class PromotionCheckMixin:
    """The promotion rule of the service (a date not in the future, a new title), shown
    beside the fields before anything is saved. For forms with from_title, to_title and
    promoted_on."""

    def clean(self):
        cleaned = super().clean()
        before, after = cleaned.get("from_title"), cleaned.get("to_title")
        day = cleaned.get("promoted_on")
        if before and after and day:
            try:
                promotion_check(from_title=before, to_title=after, promoted_on=day)
            except ValidationError as error:
                self.add_error("promoted_on" if error.code == "future" else "to_title", error)
        return cleaned


class PromotionReportForm(PromotionCheckMixin, forms.Form):
    """An APM reports their own promotion; the committee confirms it."""

    from_title = forms.CharField(
        max_length=120, label="Your title before the promotion", help_text="As on your profile."
    )
    to_title = forms.CharField(max_length=120, label="Your new title")
    promoted_on = forms.DateField(
        label="Date of the promotion",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day it took effect.",
    )


class JourneyFilterForm(forms.Form):
    """Which cohort's journey to show, and after how many days a person counts as stalled."""

    cohort = forms.ModelChoiceField(
        queryset=None, to_field_name="slug", empty_label=None, required=False, label="Cohort"
    )
    days = forms.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        label="Stalled after (days)",
        help_text="People who have not moved on for more than this many days are listed.",
    )

    def __init__(self, *args, cohorts, default_days, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["days"].initial = default_days
        self.fields["days"].widget.attrs["placeholder"] = str(default_days)
