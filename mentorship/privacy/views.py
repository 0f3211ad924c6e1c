"""A person's own data: read it, download it, delete the account (password first)."""

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from mentorship import privacy
from mentorship.privacy.forms import AccountDeleteForm


@never_cache
@login_required
@reauthentication_required
@require_GET
def my_data(request):
    return render(
        request, "mentorship/my_data.html", {"data": privacy.personal_data(request.user)}
    )


@never_cache
@login_required
@reauthentication_required
@require_GET
def my_data_download(request):
    data = privacy.personal_data(request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    name = f"my-mentorship-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.account_erase(user=request.user, acting_user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            return redirect("account_deleted")
    return render(request, "mentorship/account_delete.html", {"form": form})


@require_GET
def account_deleted(request):
    if request.user.is_authenticated:
        messages.info(request, "Your account is still here: nothing was deleted.")
        return redirect("home")
    return render(request, "mentorship/account_deleted.html")
