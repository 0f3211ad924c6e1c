from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorship import selectors, services
from mentorship.forms import IntakeForm, ProfileForm
from mentorship.health import health_report
from mentorship.models import Cohort, Enrollment, Profile, Role

INTAKE_SAVED = "Your intake for %(cohort)s is saved. You can change it until %(closes)s."
WITHDRAWN = "You have withdrawn from %(cohort)s. You can rejoin while intake is open."


@require_GET
def home(request):
    if not request.user.is_authenticated:
        return render(request, "mentorship/home_public.html")
    return render(request, "mentorship/home.html", selectors.home_summary(user=request.user))


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


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


@login_required
@require_http_methods(["GET", "POST"])
def intake(request, slug, role):
    cohort, role = _cohort_and_role(slug, role)
    enrollment = selectors.get_own_enrollment(user=request.user, cohort=cohort, role=role)
    context = {"cohort": cohort, "role": role, "role_label": Role(role).label,
               "enrollment": enrollment}  # fmt: skip
    if not cohort.intake_is_open():
        status = 200 if request.method == "GET" else 409
        return render(request, "mentorship/intake_closed.html", context, status=status)

    profile = getattr(request.user, "profile", None) or Profile(user=request.user)
    instance = enrollment or Enrollment(user=request.user, cohort=cohort, role=role)
    data = request.POST if request.method == "POST" else None
    profile_form = ProfileForm(data, instance=profile, user=request.user)
    intake_form = IntakeForm(data, instance=instance, role=role)
    if data is not None and profile_form.is_valid() and intake_form.is_valid():
        try:
            services.enrollment_save(
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
    if not cohort.intake_is_open():
        messages.error(request, "Intake has closed. To withdraw now, please email the committee.")
        return redirect("home")
    try:
        services.enrollment_withdraw(enrollment=enrollment, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, WITHDRAWN % {"cohort": cohort.name})
    return redirect("home")
