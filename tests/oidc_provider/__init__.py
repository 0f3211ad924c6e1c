"""A real OpenID Connect provider for the company sign-in tests (issue 16).

A tiny Django project of its own (django-oauth-toolkit in OIDC mode), started as a
second process on a free 127.0.0.1 port by the ``oidc_provider`` fixture
(tests/oidc_provider/fixtures.py) and stopped after the session. Nothing of the site
is imported here: the site talks to it over HTTP exactly as to the company's provider.
"""
