from urllib.parse import urlsplit

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator

CALLBACK_PATH = "/accounts/oidc/company/login/callback/"
SITE_HOSTS = {"localhost", "127.0.0.1", "testserver"}


class ClaimsValidator(OAuth2Validator):
    """The claims of each test person, and any site under test as the redirect URI.

    The site runs on a port chosen at random (Django's live server) or as the test
    client's "testserver"; only the callback's path is fixed. A person with an "aud"
    claim gets an ID token for another client: the site must refuse it.
    """

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "aud": "openid"}

    def get_additional_claims(self, request):
        person = settings.USERS[request.user.username]
        claims = ("email", "email_verified", "name", "aud")
        return {key: person[key] for key in claims if key in person}

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        url = urlsplit(redirect_uri)
        return url.path == CALLBACK_PATH and url.hostname in {
            "localhost",
            "127.0.0.1",
            "testserver",
        }
