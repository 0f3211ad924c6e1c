import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import urlencode
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from matching.selectors import graduated_match_of, home_matches, pairs_suggestions
from mentorship import graduation, selectors
from mentorship import journey as journeys
from mentorship.common.changes import changes_nothing
from mentorship.common.ratelimit import limit_writes
from mentorship.common.widgets import ListSelect
from mentorship.forms import (
    IntakeForm,
    JourneyFilterForm,
    NotificationPreferenceForm,
    ProfileForm,
    PromotionReportForm,
    team_choices,
)
from mentorship.health import health_report
from mentorship.intake import enrollment_save, enrollment_withdraw
from mentorship.models import (
    Cohort,
    Enrollment,
    GraduationGuide,
    NotificationPreference,
    Role,
)
from mentorship.outbox.devmail import mailbox_message, mailbox_messages
from mentorship.outbox.queue import unsubscribe_user_id
from surveys.selectors import home_invitations

INTAKE_SAVED = "Your intake for %(cohort)s is saved. You can change it until %(closes)s."
WITHDRAWN = "You have withdrawn from %(cohort)s. You can rejoin while intake is open."


@require_GET
def home(request):
    if not request.user.is_authenticated:
        return render(request, "mentorship/home_public.html")
    context = selectors.home_summary(user=request.user)
    standings = journeys.enrollment_standings(context["enrollments"])
    for enrollment in context["enrollments"]:
        enrollment.standing = standings[enrollment.pk]
    context.update(home_matches(user=request.user))
    context.update(graduation.home_graduation(user=request.user))
    context["survey_invitations"] = home_invitations(user=request.user)
    # Topics for the next conversation of each pair, in queries that do not grow with them.
    context["suggestions"] = pairs_suggestions(
        matches=context["matches_as_apm"] + context["matches_as_mentor"],
        user=request.user,
        limit=3,
        mentor_topics=context["mentor_topics"],
    )
    return render(request, "mentorship/home.html", context)


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico before reading the page's icon link: send them to it."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
@require_GET
def intake_teams(request):
    """The team options of the intake's chosen unit (htmx swaps them into the list).

    The team already chosen stays chosen when it belongs to the unit, so a person who
    picked the team first and the unit second loses nothing.
    """
    teams = list(selectors.teams_with_units())
    unit_id = request.GET.get("business_unit", "")
    unit_id = unit_id if unit_id.isascii() and unit_id.isdigit() else None
    options = ListSelect(choices=team_choices(teams, unit_id)).render_options(
        request.GET.get("team", "")
    )
    return HttpResponse(options)


@never_cache
@require_GET
def dev_mail(request, name=None):
    """The local run's mailbox (mentorship.outbox.devmail): DEBUG only, 404 otherwise.

    Open to anyone on the developer's machine, signed in or not: a person confirming a
    new account reads the link here before they have a session.
    """
    if not settings.DEBUG:
        raise Http404
    if name is None:
        return render(request, "mentorship/dev_mail.html", {"messages_sent": mailbox_messages()})
    message = mailbox_message(name)
    if message is None:
        raise Http404
    return render(request, "mentorship/dev_mail.html", {"message": message})


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


# The database could not be reached or dropped the connection (down, restarting, out of
# connections). Both come wrapped by Django whatever the driver raised.
DATABASE_OUTAGE_ERRORS = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 60


def server_error(request):
    """handler500: a database outage answers 503 "try again in a minute", anything else 500.

    Django calls this while handling the uncaught exception, so sys.exc_info() holds it.
    Neither page may touch the database: both render without a request context (no
    context processors, no signed-in person), the way Django's own 500 handler does.
    """
    error = sys.exc_info()[1]
    if not isinstance(error, DATABASE_OUTAGE_ERRORS):
        return defaults.server_error(request)
    response = HttpResponse(loader.render_to_string("503_database.html"), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def _cohort_and_role(slug, role):
    if role not in Role.values:
        raise Http404("No such role.")
    # Draft cohorts are the committee's work in progress: invisible to participants.
    cohort = get_object_or_404(Cohort.objects.exclude(status=Cohort.Status.DRAFT), slug=slug)
    return cohort, role


@login_required
@require_GET
def join(request):
    """Choose to join the open cohort as an APM or a mentor."""
    return render(request, "mentorship/join.html", selectors.home_summary(user=request.user))


# Answers, notes and reasons stay out of error reports.
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
@limit_writes("intake")
def intake(request, slug, role):
    cohort, role = _cohort_and_role(slug, role)
    enrollment = selectors.get_own_enrollment(user=request.user, cohort=cohort, role=role)
    context = {"cohort": cohort, "role": role, "role_label": Role(role).label,
               "enrollment": enrollment}  # fmt: skip
    if not cohort.intake_is_open():
        if enrollment is not None:
            context["standing"] = journeys.enrollment_standing(enrollment)
        status = 200 if request.method == "GET" else 409
        return render(request, "mentorship/intake_closed.html", context, status=status)

    profile = selectors.get_own_profile(user=request.user)
    instance = enrollment or Enrollment(user=request.user, cohort=cohort, role=role)
    data = request.POST if request.method == "POST" else None
    profile_form = ProfileForm(data, instance=profile, user=request.user)
    # A graduate coming back as a mentor starts from what they covered as an APM.
    initial = None
    if role == Role.MENTOR and enrollment is None:
        initial = graduation.mentor_intake_initial(user=request.user)
        context["prefilled_from_graduation"] = initial is not None
    intake_form = IntakeForm(data, instance=instance, role=role, initial=initial)
    if data is not None and profile_form.is_valid() and intake_form.is_valid():
        try:
            enrollment_save(
                user=request.user,
                cohort=cohort,
                role=role,
                full_name=profile_form.cleaned_data["full_name"],
                profile_data=profile_form.profile_data(),
                intake_data=intake_form.intake_data(),
            )
        except ValidationError as error:
            # Intake closed between loading the page and saving: say so, keep the input.
            messages.error(request, " ".join(error.messages))
        else:
            closes = cohort.intake_closes_at.strftime("%B %-d")
            messages.success(request, INTAKE_SAVED % {"cohort": cohort.name, "closes": closes})
            return redirect("home")
    context.update(profile_form=profile_form, intake_form=intake_form)
    return render(request, "mentorship/intake.html", context)


@login_required
@require_POST
def withdraw(request, slug, role):
    cohort, role = _cohort_and_role(slug, role)
    enrollment = selectors.get_own_enrollment(user=request.user, cohort=cohort, role=role)
    if enrollment is None:
        raise Http404("You are not enrolled in this cohort.")
    try:
        enrollment_withdraw(enrollment=enrollment, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, WITHDRAWN % {"cohort": cohort.name})
    return redirect("home")


NUDGES_SAVED = "Saved. You'll {what} reminders and nudges."


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    preference, _ = NotificationPreference.objects.get_or_create(user=request.user)
    form = NotificationPreferenceForm(
        request.POST if request.method == "POST" else None, instance=preference
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        what = "get" if preference.nudges_enabled else "no longer get"
        messages.success(request, NUDGES_SAVED.format(what=what))
        return redirect("notification_preferences")
    return render(request, "mentorship/notification_preferences.html", {"form": form})


@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request, token):
    """The link in every nudge. GET asks (mail scanners follow links); POST turns nudges off."""
    user_id = unsubscribe_user_id(token)
    if user_id is None:
        return render(request, "mentorship/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        NotificationPreference.objects.update_or_create(
            user_id=user_id, defaults={"nudges_enabled": False}
        )
        return render(request, "mentorship/unsubscribe.html", {"done": True})
    return render(request, "mentorship/unsubscribe.html", {"token": token})


# --- Promotions, graduation and the committee's journey -------------------------------

PROMOTION_REPORTED = (
    "Congratulations! We've told the committee about your promotion to %(title)s. "
    "Once they confirm it, your profile shows your new title."
)
STEP_DONE = "“%(step)s” is ticked. %(done)s of %(total)s steps done."
STEP_UNDONE = "“%(step)s” is no longer ticked."
REMINDER_QUEUED = "Reminder queued for %(person)s: “%(kind)s”."
REMINDER_SKIPPED = "%(person)s has turned reminders off, so nothing was sent."
JOURNEY_REFRESHED = "The journey of %(cohort)s was worked out just now."


# Answers, notes and reasons stay out of error reports.
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
@limit_writes("promotion")
def promotion_report(request):
    """An APM tells the committee about their promotion."""
    if not graduation.can_report_promotion(user=request.user):
        raise Http404("Only APMs in the program report promotions here.")
    profile = getattr(request.user, "profile", None)
    form = PromotionReportForm(
        request.POST or None, initial={"from_title": profile.title if profile else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            promotion = graduation.promotion_report(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, PROMOTION_REPORTED % {"title": promotion.to_title})
            return redirect("home")
    return render(request, "mentorship/promotion_report.html", {"form": form})


def _own_guide(request):
    guide = graduation.guide_for_user(user=request.user)
    if guide is None:
        raise Http404("You have no graduation guide.")
    return guide


@login_required
@require_GET
def graduation_guide(request):
    guide = _own_guide(request)
    graduated_match = graduated_match_of(apm_enrollment=guide.apm_enrollment)
    context = {
        "guide": guide,
        "steps": graduation.guide_steps(guide),
        "progress": graduation.guide_progress(guide),
        "step_total": len(graduation.GUIDE_STEPS),
        "mentor": graduated_match.mentor.user if graduated_match else None,
        "next_cohort": graduation.next_mentor_cohort(after=guide.apm_enrollment.cohort),
        "upcoming_cohort": graduation.upcoming_mentor_cohort(after=guide.apm_enrollment.cohort),
    }
    return render(request, "mentorship/graduation_guide.html", context)


def _guide_step_set(request, step, *, done):
    guide = _own_guide(request)
    if step not in GraduationGuide.Step.values:
        raise Http404("No such step.")
    label = GraduationGuide.Step(step).label
    try:
        guide = graduation.guide_step_toggle(guide=guide, step=step, done=done)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if done:
            progress = graduation.guide_progress(guide)
            total = len(graduation.GUIDE_STEPS)
            messages.success(
                request, STEP_DONE % {"step": label, "done": progress, "total": total}
            )
        else:
            messages.success(request, STEP_UNDONE % {"step": label})
    return redirect("graduation_guide")


@login_required
@require_POST
def guide_step_done(request, step):
    return _guide_step_set(request, step, done=True)


@login_required
@require_POST
def guide_step_undo(request, step):
    return _guide_step_set(request, step, done=False)


def _committee_only(request):
    # Not a 403: people outside the committee should not learn the page exists.
    if not selectors.request_is_committee(request):
        raise Http404("No such page.")


@login_required
@require_GET
def journey(request):
    """The committee's funnel for one cohort, with who has stalled and what to do."""
    _committee_only(request)
    cohorts = journeys.journey_cohorts()
    form = JourneyFilterForm(
        request.GET or None, cohorts=cohorts, default_days=journeys.DEFAULT_STALLED_DAYS
    )
    cohort, days = None, journeys.DEFAULT_STALLED_DAYS
    if form.is_bound and form.is_valid():
        cohort = form.cleaned_data["cohort"]
        days = form.cleaned_data["days"] or days
    cohort = cohort or cohorts.first()
    context = {"form": form, "days": days, "cohort": cohort}
    if cohort is not None:
        # Page numbers are not part of the form: a bad one shows the nearest page.
        context["funnel"] = journeys.journey_page(
            cohort=cohort,
            days=days,
            stalled_at=request.GET.get("stalled"),
            stalled_page=request.GET.get("page"),
            people_page=request.GET.get("people"),
        )
        context["people_open"] = "people" in request.GET
    return render(request, "mentorship/journey.html", context)


@login_required
@require_POST
def journey_refresh(request):
    """Work the cohort's journey out now, then show it."""
    _committee_only(request)
    cohorts = journeys.journey_cohorts()
    form = JourneyFilterForm(
        request.POST, cohorts=cohorts, default_days=journeys.DEFAULT_STALLED_DAYS
    )
    if not form.is_valid() or form.cleaned_data["cohort"] is None:
        return redirect("journey")
    cohort = form.cleaned_data["cohort"]
    journeys.journey_refresh(cohort=cohort)
    changes_nothing(request)  # the snapshot just built is current
    messages.success(request, JOURNEY_REFRESHED % {"cohort": cohort.name})
    query = {"cohort": cohort.slug, "days": form.cleaned_data["days"] or ""}
    return redirect(f"{reverse('journey')}?{urlencode(query)}")


@login_required
@require_POST
def journey_remind(request, enrollment_id):
    """Queue today's nudge for one stalled APM, then go back to the funnel."""
    _committee_only(request)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("user", "cohort"), pk=enrollment_id, role=Role.APM
    )
    changes_nothing(request)  # a reminder queued: nothing the journey counts
    try:
        notification = journeys.journey_remind(apm_enrollment=enrollment, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        person = enrollment.user.display_name
        if notification.status == notification.Status.SKIPPED:
            messages.warning(request, REMINDER_SKIPPED % {"person": person})
        else:
            kind = notification.get_kind_display()
            messages.success(request, REMINDER_QUEUED % {"person": person, "kind": kind})
    query = {"cohort": enrollment.cohort.slug}
    days = request.POST.get("days", "")
    if days.isdigit():
        query["days"] = days
    return redirect(f"{reverse('journey')}?{urlencode(query)}")
