from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from mentorship.common.ratelimit import limit_writes
from mentorship.common.spreadsheets import csv_response
from mentorship.selectors import request_is_committee, request_roles
from surveys import exports, selectors, services
from surveys.comparison import promotion_comparison
from surveys.forms import AnswerForm
from surveys.models import privacy_threshold
from surveys.outcomes import outcomes_dashboard
from surveys.results import cohort_results as cohort_results_for
from surveys.results import results_for, survey_results

SUBMITTED = "Thank you: your answers to “%(survey)s” are in."
SUBMITTED_ANONYMOUS = "Thank you: your answers to “%(survey)s” are in, stored without your name."
DRAFT_SAVED = (
    "Draft saved. Come back before %(closes)s to finish and submit; nothing is sent until you do."
)


# --- Participants ------------------------------------------------------------------------


def _invitation_or_unavailable(request, survey_id):
    """(survey, invitation, page): page is set when the survey can't be answered now."""
    survey = selectors.get_survey_for_participant(survey_id=survey_id)
    invitation = selectors.get_own_invitation(user=request.user, survey=survey)
    status = 200 if request.method == "GET" else 409
    context = {"survey": survey, "invitation": invitation}
    if invitation is None:
        context["reason"] = "not_invited"
        return survey, None, render(request, "surveys/unavailable.html", context, status=403)
    if invitation.completed_on:
        if request.method != "GET":
            messages.error(request, services.ALREADY_ANSWERED)
            return survey, invitation, redirect("surveys:mine")
        context["reason"] = "answered"
        return survey, invitation, render(request, "surveys/unavailable.html", context)
    now = timezone.now()
    if not survey.is_open(now):
        context["reason"] = "not_yet_open" if survey.opens_at > now else "closed"
        return (
            survey,
            invitation,
            render(request, "surveys/unavailable.html", context, status=status),
        )
    return survey, invitation, None


def _answer_page(request, survey, invitation, form, *, status=200):
    context = {"survey": survey, "invitation": invitation, "form": form,
               "threshold": privacy_threshold()}  # fmt: skip
    return render(request, "surveys/answer.html", context, status=status)


@login_required
@require_GET
def my_surveys(request):
    """Every survey the person was asked to answer, and where each one stands."""
    invitations = selectors.own_invitations(user=request.user)
    return render(
        request, "surveys/mine.html", {"invitations": invitations, "now": timezone.now()}
    )


@never_cache
@login_required
@require_GET
def answer(request, survey_id):
    survey, invitation, unavailable = _invitation_or_unavailable(request, survey_id)
    if unavailable:
        return unavailable
    questions = selectors.questions_for(invitation=invitation, questions=survey.questions.all())
    draft = selectors.draft_answers(invitation=invitation)
    form = AnswerForm(questions=questions, initial=AnswerForm.initial_from_draft(draft))
    return _answer_page(request, survey, invitation, form)


def _post(request, survey_id, *, draft: bool):
    survey, invitation, unavailable = _invitation_or_unavailable(request, survey_id)
    if unavailable:
        return unavailable
    questions = selectors.questions_for(invitation=invitation, questions=survey.questions.all())
    form = AnswerForm(request.POST, questions=questions, draft=draft)
    if not form.is_valid():
        return _answer_page(request, survey, invitation, form)
    try:
        if draft:
            services.invitation_save_draft(invitation=invitation, answers=form.answers())
        else:
            services.response_submit(invitation=invitation, answers=form.answers())
    except ValidationError as error:
        if getattr(error, "code", None) == "already_answered":
            messages.error(request, services.ALREADY_ANSWERED)
            return redirect("surveys:mine")
        for message in error.messages:
            form.add_error(None, message)
        status = 409 if getattr(error, "code", None) in ("closed", "not_open_yet") else 200
        return _answer_page(request, survey, invitation, form, status=status)
    if draft:
        closes = timezone.localtime(survey.closes_at).strftime("%B %-d")
        messages.success(request, DRAFT_SAVED % {"closes": closes})
        return redirect("surveys:answer", survey.pk)
    text = SUBMITTED_ANONYMOUS if survey.is_anonymous else SUBMITTED
    messages.success(request, text % {"survey": survey.title})
    return redirect("home")


# Answers, notes and reasons stay out of error reports.
@sensitive_post_parameters()
@login_required
@require_POST
@limit_writes("survey")
def save_draft(request, survey_id):
    return _post(request, survey_id, draft=True)


# Answers, notes and reasons stay out of error reports.
@sensitive_post_parameters()
@login_required
@require_POST
@limit_writes("survey")
def submit(request, survey_id):
    return _post(request, survey_id, draft=False)


@never_cache
@login_required
@require_GET
def my_answers(request, survey_id):
    """A person's own answers to an attributed survey; anonymous ones cannot be shown back."""
    survey = selectors.get_survey_for_participant(survey_id=survey_id)
    invitation = selectors.get_own_invitation(user=request.user, survey=survey)
    if invitation is None:
        raise Http404("You were not asked to answer this survey.")
    response = selectors.own_response(user=request.user, survey=survey)
    rows = []
    if response is not None:
        rows = selectors.answers_by_question(response=response, questions=survey.questions.all())
    context = {"survey": survey, "invitation": invitation, "response": response, "rows": rows}
    return render(request, "surveys/my_answers.html", context)


# --- The committee ----------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def results(request, survey_id):
    survey = selectors.get_survey_for_committee(roles=request_roles(request), survey_id=survey_id)
    context = {
        "results": survey_results(survey=survey),
        "survey": survey,
        "can_read_attributed": services.can_read_attributed(user=request.user, survey=survey),
    }
    return render(request, "surveys/results.html", context)


@never_cache
@login_required
@require_GET
def results_csv(request, survey_id):
    survey = selectors.get_survey_for_committee(roles=request_roles(request), survey_id=survey_id)
    rows = exports.survey_rows(results_for([survey])[survey.pk])  # free text is not exported
    return csv_response(filename=f"survey-{survey.pk}-results.csv", rows=rows)


@never_cache
@login_required
@require_GET
def cohort_results(request, cohort_id):
    cohort = selectors.get_cohort_for_committee(roles=request_roles(request), cohort_id=cohort_id)
    return render(request, "surveys/cohort_results.html", cohort_results_for(cohort=cohort))


@never_cache
@login_required
@require_GET
def cohort_results_csv(request, cohort_id):
    cohort = selectors.get_cohort_for_committee(roles=request_roles(request), cohort_id=cohort_id)
    rows = exports.cohort_rows(cohort_results_for(cohort=cohort))
    return csv_response(filename=f"cohort-{cohort.pk}-survey-results.csv", rows=rows)


@never_cache
@login_required
@require_GET
def outcomes(request):
    if not request_is_committee(request):
        raise Http404("No such page.")
    context = outcomes_dashboard()
    context.update(promotion_comparison(cohorts=[row.cohort for row in context["cohorts"]]))
    return render(request, "surveys/outcomes.html", context)


@never_cache
@login_required
@require_GET
def attributed_answers(request, survey_id):
    """Each person's answers to an attributed survey: a dedicated permission, and audited."""
    survey = selectors.get_survey_for_committee(roles=request_roles(request), survey_id=survey_id)
    try:
        people = services.attributed_answers_read(survey=survey, acting_user=request.user)
    except ValidationError as error:
        raise Http404(error.messages[0]) from None
    return render(request, "surveys/attributed_answers.html", {"survey": survey, "people": people})
