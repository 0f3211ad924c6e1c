"""allauth's two OpenID Connect views, with an unreachable provider as a clear page.

Before it redirects to the provider, and again before it exchanges the code, allauth
reads the provider's discovery document; a provider that is down (refused, timed out,
an error status) raised out of the view as a 500. Here it ends on allauth's
authentication error page (templates/socialaccount/authentication_error.html) with
nobody signed in, as every other failure of the exchange does.
"""

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from requests import RequestException


def _unreachable(request, provider_id, error):
    # Logged by SocialAccountAdapter.on_authentication_error, as every other failure.
    provider = get_adapter(request).get_provider(request, provider_id)
    return render_authentication_error(request, provider, exception=error)


def provider_login(request, provider_id):
    try:
        return oidc_views.login(request, provider_id)
    except RequestException as error:
        return _unreachable(request, provider_id, error)


def provider_callback(request, provider_id):
    try:
        return oidc_views.callback(request, provider_id)
    except RequestException as error:
        return _unreachable(request, provider_id, error)
