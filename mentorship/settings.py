"""Settings for the APM mentorship program.

Everything that differs between a laptop and production comes from environment
variables (12-factor); the defaults give a zero-set-up local run on SQLite with no
broker. With ``DEBUG`` off the defaults are the secure ones, so that
``manage.py check --deploy`` reports nothing once ``SECRET_KEY`` and ``ALLOWED_HOSTS``
are set.
"""

from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is convenient for development; real deployments set variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRET_KEY (a long random string) or run with DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"  # noqa: S105
# Old keys, still accepted when reading (sessions, reset links, the anonymous survey
# ballots and drafts sealed under them) while SECRET_KEY is rotated.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Site identity, used in page titles and emails.
PROGRAM_NAME = env("PROGRAM_NAME", default="APM Mentorship Program")
# Where people reach the site: every link in every email is built from it
# (mentorship.outbox.queue.absolute_url), allauth's included. `make run` sets it from
# HOST and PORT; with DEBUG off it must be set (check mentorship.E001).
SITE_URL = (env("SITE_URL", default="") or ("http://127.0.0.1:8000" if DEBUG else "")).rstrip("/")

INSTALLED_APPS = [
    "mentorship",
    "matching",
    "toolkit",
    "surveys",
    # Django's admin, whose site keeps each person's navigation (mentorship.common.admin_site).
    "mentorship.common.admin_site.CommitteeAdminConfig",
    "mentorship.common.admin_site.GroupsAuthConfig",  # django.contrib.auth, renamed
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_htmx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mentorship.common.local_time.BrowserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mentorship.sessions.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
# Issue 11, part 4: a 503 "try again in a minute" page for a Redis call that fails.
MIDDLEWARE += ["mentorship.common.unavailable.BackgroundUnavailableMiddleware"]
# Issue 12: staff without two-factor sign-in are sent to set it up before the admin or a
# committee page opens. It needs request.user and messages, and comes after the session
# limits so that an ended session signs in again first.
MIDDLEWARE.insert(
    MIDDLEWARE.index("mentorship.sessions.SessionLimitsMiddleware") + 1,
    "mentorship.twofactor.TwoFactorRequiredMiddleware",
)

# Issue 13: the time of the last successful write request, for pages that keep a copy
# of the data (mentorship.common.changes). Outermost but one: it sees every response.
MIDDLEWARE.insert(1, "mentorship.common.changes.ChangesMiddleware")

# --- Input hardening (issue 11): query parameters lose control characters ----------
# Before any view, the admin's and allauth's included, reads a search or a filter.
MIDDLEWARE.insert(1, "mentorship.common.middleware.QueryStringMiddleware")

ROOT_URLCONF = "mentorship.urls"
WSGI_APPLICATION = "mentorship.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mentorship.context_processors.site",
            ],
        },
    },
]

# Form widgets from Django's Jinja2 templates, several times faster to draw (issue 13).
FORM_RENDERER = "mentorship.common.renderers.FormRenderer"

# --- Data -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The local run has a web process and a worker writing the same file: WAL and
    # IMMEDIATE transactions turn "database is locked" errors into short waits.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# --- PostgreSQL outages (issue 11, part 5) ---
# While the database is away a page should fail in seconds with the "try again in a
# minute" page (mentorship.views.server_error), not hang: libpq gives up connecting
# after DATABASE_CONNECT_TIMEOUT seconds, and the TCP settings notice a database host
# that vanished from the network (no reply at all) in about 30 seconds instead of the
# kernel's quarter of an hour. Coming back needs no restart: CONN_HEALTH_CHECKS
# re-checks a kept connection before each request reuses it, and Celery's Django fixup
# closes every connection before and after each task (tests/test_database_outage.py).
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=3),
            "keepalives": 1,
            "keepalives_idle": 20,
            "keepalives_interval": 5,
            "keepalives_count": 2,
            "tcp_user_timeout": 30_000,  # milliseconds unanswered before the socket fails
        }
    )
    # Issue 13: the planner reorders joins only in groups of this many tables (its
    # default is 8). The admin lists and the toolkit join six or seven tables, in the
    # order the ORM writes them (the listed table, then its foreign keys, which is the
    # plan a page of 25 rows wants); choosing among every order took 2-5 ms a query,
    # more than running it (about 1 ms). 0 keeps PostgreSQL's default. A libpq startup
    # option: behind PgBouncer, add "options" to its ignore_startup_parameters.
    _join_limit = env.int("DATABASE_JOIN_COLLAPSE_LIMIT", default=3)
    _startup = [f"-c join_collapse_limit={_join_limit}"] if _join_limit else []
    # No JIT compilation: PostgreSQL compiles any query its planner prices above
    # jit_above_cost, and the outcomes page's comparison (one arm per cohort, subqueries
    # per person) spent 1.96 s of 2.1 s compiling at 10,000 people, on every renewal of
    # its copy. A web application's queries are short; compiling never pays here.
    if not env.bool("DATABASE_JIT", default=False):
        _startup.append("-c jit=off")
    if _startup:
        DATABASES["default"]["OPTIONS"]["options"] = " ".join(_startup)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

# --- Cache: Redis, and the database while Redis is down (issue 11, part 4) ---------
# The default cache holds allauth's rate limits and used two-factor codes. With Redis,
# every call goes to Redis first and to the database cache when Redis fails, with a
# short circuit breaker (mentorship/common/cache.py), so sign-in keeps working and the
# limits keep holding through a Redis outage. `migrate` creates the cache table.
# Redis answers in well under a millisecond: waiting longer means it is down or hung. A
# publish to a hung Redis waits this three times (send, reconnect, send again).
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.15)
DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "mentorship_cache",
    # Culling drops entries once the table is full; keep it large enough that an attacker
    # cannot push someone's rate-limit entry out by filling it with others.
    "OPTIONS": {"MAX_ENTRIES": 100_000},
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "mentorship.common.cache.FallbackCache",
            "OPTIONS": {"PRIMARY": "redis", "FALLBACK": "database", "RETRY_AFTER": 15},
        },
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mentorship",
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        },
        "database": DATABASE_CACHE,
    }
else:
    # One process on a laptop: a per-process cache is enough for rate limits. The
    # database cache is configured either way, so that every database has its table.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "database": DATABASE_CACHE,
    }
# --- end of the cache block -------------------------------------------------------

# --- People and sign-in -----------------------------------------------------------
AUTH_USER_MODEL = "mentorship.User"
AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend, keeping each person's permissions until a grant changes.
    "mentorship.common.permissions.CachedPermissionsBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "mentorship.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Verification protects the domain allow-list: owning the address is what proves
# you work here. Local development may relax it so the demo needs no mailbox.
ACCOUNT_EMAIL_VERIFICATION = env(
    "ACCOUNT_EMAIL_VERIFICATION", default="optional" if DEBUG else "mandatory"
)
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PROGRAM_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's defaults rate-limit log in, sign up, password reset and confirmation
# emails; they are on unless someone turns them off here on purpose.
# Entries given here override single defaults; the rest stay on.
# Per-address limits fit a whole office behind one address (a company NAT): allauth's
# 30 sign-ins a minute per address turned away half of 63 colleagues invited at once.
# The per-account limits (5 failed sign-ins per account in 5 minutes, 5 resets per
# address a minute) stay as allauth has them.
OFFICE_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "60/m/ip,5/300s/key",
    "signup": "60/m/ip",
    "reset_password": "60/m/ip,5/m/key",
    "reset_password_from_key": "60/m/ip",
}
ACCOUNT_RATE_LIMITS = {**OFFICE_RATE_LIMITS, **env.json("ACCOUNT_RATE_LIMITS", default={})}
# Behind a load balancer or reverse proxy the client address is the n-th from the
# right in X-Forwarded-For; without this every request would share the proxy's
# address and one person could lock everybody out.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if ALLAUTH_TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)

# Comma-separated, e.g. "adhoc.team,example.gov". Empty means any domain may sign up.
ALLOWED_SIGNUP_DOMAINS = [
    domain.strip().lower().lstrip("@")
    for domain in env.list("ALLOWED_SIGNUP_DOMAINS", default=[])
    if domain.strip()
]

# --- Company sign-in (issue 16): the company's OpenID Connect identity provider -----
# allauth's social accounts are always installed, so the schema and the URLs are the
# same whether or not a provider is configured (and tests can switch one on in
# settings). Without the four OIDC_ variables the provider list is empty and no page
# shows anything of it. The provider lives in settings, not in database rows.
INSTALLED_APPS += [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "mentorship.signin",  # after socialaccount: takes its admins out (signin/admin.py)
]
OIDC_NAME = env("OIDC_NAME", default="")
OIDC_SERVER_URL = env("OIDC_SERVER_URL", default="")
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
_oidc = [OIDC_NAME, OIDC_SERVER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET]
if any(_oidc) and not all(_oidc):
    raise ImproperlyConfigured(
        "Company sign-in needs all four of OIDC_NAME, OIDC_SERVER_URL, OIDC_CLIENT_ID and "
        "OIDC_CLIENT_SECRET; set the missing ones or unset them all."
    )
# The provider's URLs are /accounts/oidc/<provider_id>/login/ and .../login/callback/;
# the callback is the redirect URI to register with the identity provider.
OIDC_PROVIDER_ID = "company"


def oidc_app(*, name: str, server_url: str, client_id: str, secret: str) -> dict:
    """The one entry of SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] (tests reuse it)."""
    return {
        "provider_id": OIDC_PROVIDER_ID,
        "name": name,
        "client_id": client_id,
        "secret": secret,
        "settings": {"server_url": server_url},
    }


SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # The provider is told a one-time secret for each sign-in, so a stolen code
        # cannot be exchanged by anyone else.
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            oidc_app(
                name=OIDC_NAME,
                server_url=OIDC_SERVER_URL,
                client_id=OIDC_CLIENT_ID,
                secret=OIDC_CLIENT_SECRET,
            )
        ]
        if all(_oidc)
        else [],
    }
}
SOCIALACCOUNT_ADAPTER = "mentorship.adapters.SocialAccountAdapter"
# A new person with an address and a name from the provider gets an account at once,
# no form in between (the name fills full_name: SocialAccountAdapter.populate_user).
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
# Someone who already has an account with that address is signed in to it, and the
# provider is linked to it, never a second account. allauth does this only for an
# address the provider says is verified (its email_verified claim).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
# The sign-in page's button posts (with its CSRF token), so a link elsewhere cannot
# start a sign-in; a GET of the provider's login URL asks first.
SOCIALACCOUNT_LOGIN_ON_GET = False
# PASSWORD_LOGIN=0: only superusers sign in (and reset) with a password, everyone else
# with the company's provider; sign-up by password is closed (mentorship/signin/).
PASSWORD_LOGIN = env.bool("PASSWORD_LOGIN", default=True)

# --- Re-entering the password (issue 12) ------------------------------------------
# Someone at an unlocked laptop must not be able to add their own address to the
# account (and then reset its password through it). Adding, removing or making an
# address primary, setting a first password and the two-factor pages ask for the
# password again unless it was entered on such a page in the last five minutes; signing
# in does not count. Changing the password asks for the current one in its own form.
# Someone with two-factor on may answer with a code from their app instead. An emailed
# code is not offered: an unlocked laptop often has the mailbox open too.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
# Reset links go only to verified addresses, and a key stops working when any of the
# account's addresses is added, removed, confirmed or unconfirmed (issue 12).
ACCOUNT_FORMS = {
    # mentorship.forms.ResetPasswordForm, and only superusers with PASSWORD_LOGIN=0.
    "reset_password": "mentorship.signin.forms.ResetPasswordForm",
    "signup": "mentorship.forms.SignupForm",  # asks the person's name first
    "login": "mentorship.signin.forms.LoginForm",  # PASSWORD_LOGIN=0: superusers only
}
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "mentorship.adapters.ResetKeyGenerator"  # noqa: S105 - a class path

# Recovery codes are the self-service way back in after losing the phone: allauth makes a
# set when TOTP is turned on and shows them right away. `manage.py mfa_reset` is the
# break-glass for someone who lost both.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = PROGRAM_NAME
# Issue 12: the admin and the committee's pages show everyone's intake and survey
# answers, so a staff account (superusers included) without an authenticator app is sent
# to set one up before any of them opens (mentorship/twofactor.py). On in DEBUG too, so
# the demo works the way production does; turn it off only to debug the sign-in itself.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)

SESSION_COOKIE_AGE = int(timedelta(hours=env.float("SESSION_HOURS", default=12)).total_seconds())
# Signed out after this long without a request (mentorship/sessions.py), and after
# SESSION_HOURS whatever happens; both are checked on the server.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security (secure by default; local development turns it down with DEBUG=1) ----
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "mentorship.views.csrf_failure"
# /healthz answers over plain HTTP so load balancers can probe the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Response headers (issue 11, part 7) ------------------------------------------
# Kept in one block, not spread over the lists above, so the headers read in one place.
# Content-Security-Policy (django-csp, on every response): scripts and styles come only
# from our own static files, so an injected <script>, on* handler or style attribute
# does nothing. Bootstrap, htmx and the Django admin need nothing more; Chromium checks
# it in tests/browser/test_content_security_policy.py. htmx is told not to add its
# indicator styles inline (templates/base.html); Bootstrap's icons are data: URLs.
# Cache-Control: private, no-store on every response to a signed-in person and on pages
# that show one person's data (mentorship/middleware.py); static files keep theirs.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
# It needs request.user, so it comes right after authentication.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "mentorship.middleware.PrivatePagesMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}


def oidc_origin(server_url: str) -> str:
    """The identity provider's origin, where the sign-in button's form ends up (issue 16)."""
    parts = urlsplit(server_url)
    return f"{parts.scheme}://{parts.netloc}"


if all(_oidc):
    # The company sign-in button posts here and is redirected to the provider's login
    # page; form-action covers that redirect too. (An authorization endpoint on another
    # host than OIDC_SERVER_URL would need its origin here as well.)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(oidc_origin(OIDC_SERVER_URL))

# --- Pages ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
# The program speaks English only. Without translation machinery Django's and allauth's
# texts are their English originals all the same, and every text on a page costs a
# plain function call instead of a catalogue lookup: 15% of an admin list's time.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}  # Bootstrap calls the error colour "danger".

# --- Program rules ----------------------------------------------------------------
# Survey results hide any group with fewer responses than this.
SURVEY_PRIVACY_THRESHOLD = env.int("SURVEY_PRIVACY_THRESHOLD", default=5)
# Days before a survey reminder (at most two reminders).
SURVEY_REMINDER_DAYS = env.int("SURVEY_REMINDER_DAYS", default=7)

# --- Email ------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587, sets the mail server.
# Without it a local run (DEBUG=1) keeps every email in a mailbox folder, read at
# /dev/mail/ (mentorship.outbox.devmail); anything else prints mail to the console.
_email_url = env("EMAIL_URL", default="")
vars().update(env.email_url_config(_email_url or "consolemail://"))
if DEBUG and not _email_url:
    EMAIL_BACKEND = "mentorship.outbox.devmail.MailboxBackend"
# A dotted backend path wins over EMAIL_URL (used by the outbox reliability tests).
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_BACKEND)  # set just above
EMAIL_FILE_PATH = env(
    "EMAIL_FILE_PATH", default=str(Path(env("RUN_DIR", default=str(BASE_DIR / ".run"))) / "mail")
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{PROGRAM_NAME} <mentorship@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ADMINS = [("Operations", address) for address in env.list("ADMINS", default=[])]
# Outbox (issue 11): a mail server that hangs must not hold a worker. Every SMTP wait
# (connect, each command, the data) gives up after this many seconds; the outbox
# derives from it how long a claimed send may take before the sweep takes it back.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# A failed send waits this long before its second try, then twice as long each time
# (with jitter, at most an hour), up to the outbox's attempt limit.
OUTBOX_FIRST_RETRY_SECONDS = env.int("OUTBOX_FIRST_RETRY_SECONDS", default=60)
# allauth's emails go through the outbox too (mentorship.adapters); with this on, so do
# its security notices: password changed, set or reset, an address added or removed, a
# new primary address, two-factor sign-in turned on or off. Each goes to every verified
# address of the account, and says to write here if the change was not theirs.
ACCOUNT_EMAIL_NOTIFICATIONS = True
COMMITTEE_EMAIL = env("COMMITTEE_EMAIL", default=parseaddr(DEFAULT_FROM_EMAIL)[1])

# --- Background work (Celery) -----------------------------------------------------
# With REDIS_URL set, Redis is the broker. Without it the worker and the web process
# exchange messages through files in RUN_DIR (kombu's filesystem transport), so the
# local run does real background work with no outside service.
RUN_DIR = Path(env("RUN_DIR", default=str(BASE_DIR / ".run")))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = RUN_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message a worker took but did not acknowledge (crash, SIGKILL) goes back
        # to the queue after this long. Longer than any task we run.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 5
# Reliability: acknowledge after the work is done, so a worker that dies mid-task
# leaves the message for another worker; tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_PUBLISH_RETRY = True
# --- Publishing gives up fast; workers keep reconnecting (issue 11, part 4) ---------
# Web processes publish inside a request. One more try at once replaces a pooled
# connection the broker closed; past that the work waits in its row for a sweep
# (mentorship/common/background.py, which then skips the broker for a few seconds).
# Workers wait longer per call (mentorship/celery.py) and never stop reconnecting.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
}
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# --- end of the publishing block --------------------------------------------------
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Issue 16: attributed survey answers are deleted this many months after they were given
# (surveys.retention, daily). Anonymous answers name nobody and stay.
ATTRIBUTED_ANSWERS_MONTHS = env.int("ATTRIBUTED_ANSWERS_MONTHS", default=24)
if ATTRIBUTED_ANSWERS_MONTHS < 1:
    raise ImproperlyConfigured("ATTRIBUTED_ANSWERS_MONTHS must be 1 or more (months).")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / "celerybeat-schedule")

# --- Leases on long work (issue 11: a crash must not leave a run claimed for good) ---
# A running matching run holds a lease that its worker renews four times per lease
# while it solves. The sweep (every minute) fails a run whose lease has lapsed (its
# worker is gone) or that is still running past CELERY_TASK_TIME_LIMIT plus a lease.
MATCHING_RUN_LEASE_SECONDS = env.int("MATCHING_RUN_LEASE_SECONDS", default=120)
# A run still queued this long (the broker was down when it was asked for) is sent again.
MATCHING_RUN_REQUEUE_SECONDS = env.int("MATCHING_RUN_REQUEUE_SECONDS", default=180)

# --- Logging ----------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "expected_refusals": {
            "()": "mentorship.common.logfilters.ExpectedRefusalsWithoutTraceback"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["expected_refusals"],
        },
        # Django's error mail to ADMINS, once per distinct error per window and sent
        # from a background thread (mentorship/common/errormail.py).
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "mentorship.common.errormail.ThrottledAdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
    },
}
# One error mail per distinct error (same exception at the same line) per this window.
ERROR_MAIL_WINDOW_SECONDS = env.int("ERROR_MAIL_WINDOW_SECONDS", default=300)
# The committee's journey page shows a snapshot of the funnel; one older than this is
# worked out again in the background when someone looks (mentorship.journey.snapshots).
JOURNEY_REFRESH_SECONDS = env.int("JOURNEY_REFRESH_SECONDS", default=300)
