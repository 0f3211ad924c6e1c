from importlib import import_module
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import checks
from django.core.management import call_command
from django.db.models.signals import post_migrate

from mentorship import roles, sessions
from mentorship.common.text import refuse_control_characters_in_forms


def register_tasks(app_config: AppConfig, *more: str) -> None:
    """Import the app's Celery tasks (and ``more`` task modules) in every process, web
    ones included, so that services can queue them by name (mentorship.common.background)."""
    for name in (f"{app_config.name}.tasks", *more):
        import_module(name)


def connect_account_notices() -> None:
    """Load the account adapter, whose receivers add to allauth's notices (an address
    added, a verified one removed). It needs the models, so it cannot be imported at the
    top of this module; allauth itself loads it only when it first needs it."""
    import_module("mentorship.adapters")


def connect_permission_stamps() -> None:
    """Any change to a grant (groups, permissions) makes the kept permission sets old
    (mentorship.common.permissions); its module needs the auth models, loaded by now."""
    import_module("mentorship.common.permissions").connect_permission_signals()


def create_cache_tables(sender, using, **kwargs) -> None:
    """Create the database cache's table (the fallback while Redis is down) on migrate.

    Every environment runs migrate, so none can forget ``createcachetable``; it creates
    only what is missing.
    """
    call_command("createcachetable", database=using, verbosity=0)


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    """In production the cache must be shared by every web process: it holds the rate
    limits and the change stamp that tells each process its copies are old."""
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [
        checks.Warning(
            "REDIS_URL is not set: each process keeps its own cache.",
            hint="With more than one web process, a sign-in limit counts per process and "
            "a change made through one process reaches the copies another keeps (the "
            "journey, the outcomes counts) only when they expire, within 5 minutes. Set "
            "REDIS_URL, or run a single web process.",
            id="mentorship.W001",
        )
    ]


def site_url_problem(url: str) -> str:
    """What is wrong with SITE_URL as the root of every link in an email, or ''."""
    if not url:
        return "SITE_URL is not set."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return f"SITE_URL {url!r} is not a web address."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"SITE_URL {url!r} must start with https:// (or http://) and name the host."
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return (
            f"SITE_URL {url!r} must be the site's root only, such as https://mentors.example.org."
        )
    return ""


@checks.register()
def check_site_url(app_configs, **kwargs):
    """Links in emails are built from SITE_URL alone: a wrong one sends every person to
    another server (issue 15). Development falls back to the local server."""
    problem = site_url_problem(settings.SITE_URL)
    if not problem:
        return []
    return [
        checks.Error(
            problem,
            hint="Set SITE_URL to the address people open, such as "
            "https://mentors.example.org; every link in every email starts with it.",
            id="mentorship.E001",
        )
    ]


class MentorshipConfig(AppConfig):
    name = "mentorship"
    verbose_name = "Mentorship program"

    def ready(self):
        register_tasks(self, "mentorship.journey.tasks")
        connect_account_notices()
        connect_permission_stamps()
        user_logged_in.connect(sessions.session_clocks_start, dispatch_uid="session_clocks")
        refuse_control_characters_in_forms()
        # New models arrive with later migrations; keep the committee's permissions
        # in step with them after every migrate. Connected for every app (not only
        # this one): each app's permissions exist only once its own post_migrate ran.
        post_migrate.connect(
            roles.committee_group_sync_after_migrate, dispatch_uid="committee_group_sync"
        )
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="cache_tables")
