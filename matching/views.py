from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from matching import selectors, services
from matching.forms import RematchRequestForm
from mentorship.models import Role

REMATCH_REQUESTED = (
    "Thanks for telling us. The committee will end this match and find you a new "
    "one; your reason stays with the committee."
)


@login_required
@require_http_methods(["GET", "POST"])
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
