"""A person's own data: read it, download it, delete the account (password first)."""

import json
import time
from functools import wraps

from allauth.account import app_settings as account_settings
from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import get_reauthentication_flows
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
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


def identity_confirmed(view):
    """The password (or the authenticator app) again, as allauth asks it, before a view.

    Someone who signs in only through the company's provider has neither, and allauth
    would ask for a password they do not have: for them a sign-in through the provider
    in the last few minutes counts, and otherwise a page offers to sign in there again
    (or, with no provider configured, to set a password).
    """
    asked_by_allauth = reauthentication_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if get_reauthentication_flows(request.user):
            return asked_by_allauth(request, *args, **kwargs)
        timeout = account_settings.REAUTHENTICATION_TIMEOUT
        records = get_authentication_records(request, request.user)
        if any(time.time() - record.get("at", 0) < timeout for record in records):
            return view(request, *args, **kwargs)
        here = request.get_full_path()
        providers = [
            {"name": provider.name, "url": provider.get_login_url(request, next=here)}
            for provider in get_social_adapter(request).list_providers(request)
        ]
        return render(request, "mentorship/sign_in_again.html", {"providers": providers})

    return wrapper


@never_cache
@login_required
@identity_confirmed
@require_GET
def my_data(request):
    return render(
        request, "mentorship/my_data.html", {"data": privacy.personal_data(request.user)}
    )


@never_cache
@login_required
@identity_confirmed
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
@identity_confirmed
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
