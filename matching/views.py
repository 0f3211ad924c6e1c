from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from matching import meetings, selectors, services
from matching.forms import MeetingForm, RematchRequestForm
from matching.invites import FILENAME, MIMETYPE, meeting_invite_ics, zone_of
from mentorship.common.ratelimit import limit_writes
from mentorship.models import Role

REMATCH_REQUESTED = (
    "Thanks for telling us. The committee will end this match and find you a new "
    "one; your reason stays with the committee."
)


# Answers, notes and reasons stay out of error reports.
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
@limit_writes("rematch")
def rematch_request(request, match_id):
    """Either person in a match asks, without blame, to be matched with someone else."""
    match = selectors.get_match_for_user(request.user, match_id)
    form = RematchRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rematch_request_create(
                match=match, requested_by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, REMATCH_REQUESTED)
        return redirect("home")
    is_apm = selectors.viewer_role(match=match, user=request.user) == Role.APM
    partner = match.mentor.user if is_apm else match.apm.user
    return render(
        request,
        "matching/rematch_request.html",
        {"match": match, "partner": partner, "form": form},
    )


MEETING_LOGGED = "Meeting on %(date)s logged. %(count)s so far: keep it up."


@login_required
@require_GET
def meeting_list(request, match_id):
    match = selectors.get_match_for_user(request.user, match_id)
    meeting_rows = match.meetings.prefetch_related("topics").select_related("logged_by")
    return render(
        request, "matching/meeting_list.html", {"match": match, "meetings": meeting_rows}
    )


# Answers, notes and reasons stay out of error reports.
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
@limit_writes("meeting")
def meeting_new(request, match_id):
    match = selectors.get_match_for_user(request.user, match_id)
    form = MeetingForm(
        request.POST if request.method == "POST" else None,
        time_zone=zone_of(request.user).key,
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meetings.meeting_log(
                match=match,
                logged_by=request.user,
                occurred_on=form.cleaned_data["occurred_on"],
                duration_minutes=form.cleaned_data["duration_minutes"],
                topics=form.cleaned_data["topics"],
                notes=form.cleaned_data["notes"],
                next_meeting_on=form.cleaned_data["next_meeting_on"],
                next_meeting_time=form.cleaned_data["next_meeting_time"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            count = match.meetings.count()
            messages.success(
                request,
                MEETING_LOGGED % {"date": meeting.occurred_on.strftime("%B %-d"), "count": count},
            )
            return redirect("home")
    return render(request, "matching/meeting_form.html", {"match": match, "form": form})


@login_required
@require_GET
def next_meeting_ics(request, match_id):
    """The pair's next meeting as an .ics, in the reader's time zone; only for the pair."""
    match = selectors.get_match_for_user(request.user, match_id)
    meeting = match.meetings.exclude(next_meeting_on=None).order_by("-occurred_on", "-id").first()
    if meeting is None:
        raise Http404("No next meeting is set for this pair.")
    response = HttpResponse(
        meeting_invite_ics(meeting, reader=request.user), content_type=MIMETYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return response
