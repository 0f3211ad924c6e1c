"""Run the test identity provider: ``python -m tests.oidc_provider.serve``.

Reads OIDC_PROVIDER_PORT, OIDC_PROVIDER_DB, OIDC_PROVIDER_USERS (JSON),
OIDC_PROVIDER_CLIENT_ID and OIDC_PROVIDER_CLIENT_SECRET; generates its RS256 key,
migrates its SQLite file, registers the one confidential client and the people, and
serves until it is terminated.
"""

import os
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def rsa_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    os.environ["OIDC_PROVIDER_RSA_KEY"] = rsa_private_key_pem()
    os.environ.setdefault("OIDC_PROVIDER_SECRET_KEY", secrets.token_urlsafe(40))

    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    for username, person in settings.USERS.items():
        User.objects.create_user(username=username, password=person["password"])
    Application.objects.create(
        name="Mentorship program",
        client_id=os.environ["OIDC_PROVIDER_CLIENT_ID"],
        client_secret=os.environ["OIDC_PROVIDER_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://127.0.0.1/accounts/oidc/company/login/callback/",
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,  # a company's provider asks no consent for its own apps
    )
    run("127.0.0.1", settings.PORT, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
