"""The ``oidc_provider`` fixture: the test identity provider as a second process.

Bind both fixtures in a test module (``oidc_provider = fixtures.oidc_provider``, the
same for ``company_signin``) and ask for ``company_signin``: it points the site's
settings at the provider for that test, as the OIDC_ variables would, with sign-up
open to @adhoc.team addresses only.
"""

import copy
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from mentorship.settings import oidc_app, oidc_origin

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_NAME = "Ad Hoc Sign-In"
CLIENT_ID = "mentorship-site"
CLIENT_SECRET = "s3cret-of-the-mentorship-site-client"
PASSWORD = "provider-password-2026"
DOMAIN = "adhoc.team"
# The people the provider knows, by username, with the claims it gives about them.
PEOPLE = {
    "robin": {"email": "robin.quinn@adhoc.team", "email_verified": True, "name": "Robin Quinn"},
    "avery": {"email": "avery.park@adhoc.team", "email_verified": True, "name": "Avery Park"},
    "casey": {"email": "casey.chair@adhoc.team", "email_verified": True, "name": "Casey Chair"},
    "sam": {"email": "sam.outsider@gmail.com", "email_verified": True, "name": "Sam Outsider"},
    "drew": {  # an ID token made out to another client
        "email": "drew.lane@adhoc.team",
        "email_verified": True,
        "name": "Drew Lane",
        "aud": "another-client",
    },
}


@dataclass(frozen=True)
class Provider:
    url: str
    log: Path

    def providers_setting(self, *, secret: str = CLIENT_SECRET) -> dict:
        app = oidc_app(name=PROVIDER_NAME, server_url=self.url, client_id=CLIENT_ID, secret=secret)
        return {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [app]}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc_provider")
    port = free_port()
    people = {name: {**claims, "password": PASSWORD} for name, claims in PEOPLE.items()}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        OIDC_PROVIDER_PORT=str(port),
        OIDC_PROVIDER_DB=str(folder / "provider.sqlite3"),
        OIDC_PROVIDER_USERS=json.dumps(people),
        OIDC_PROVIDER_CLIENT_ID=CLIENT_ID,
        OIDC_PROVIDER_CLIENT_SECRET=CLIENT_SECRET,
    )
    log = folder / "provider.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    provider = Provider(url=f"http://127.0.0.1:{port}/o", log=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"The test identity provider stopped:\n{log.read_text()}")
            try:
                requests.get(f"{provider.url}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail(f"The test identity provider did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def company_signin(settings, oidc_provider):
    """The site as the four OIDC_ variables set it up (mentorship/settings.py)."""
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.providers_setting()
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(oidc_origin(oidc_provider.url))
    settings.CONTENT_SECURITY_POLICY = policy
    settings.ALLOWED_SIGNUP_DOMAINS = [DOMAIN]
    return oidc_provider
