"""Settings for the test suite: production settings with test-only conveniences.

The suite runs with DEBUG off (as pytest-django forces anyway) so that it exercises
the production code paths; only what a test machine cannot provide is swapped.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_SIGNUP_DOMAINS", "")
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")

from mentorship.settings import *

# Tests talk plain HTTP to the test client and the live server.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The database cache (Redis's fallback) stays, so its table exists for the outage tests.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "database": DATABASE_CACHE,
}

# Tasks run inline unless a test starts a real worker (tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = os.environ.get("REDIS_URL") or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}

LOGGING["root"]["level"] = "WARNING"

# No collectstatic in tests; files come from the finders (WhiteNoise or the live server).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
