"""Production configuration: the settings module as a deployment would load it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "9f8e7d6c5b4a" * 6,
    "ALLOWED_HOSTS": "mentorship.example.org",
    "SITE_URL": "https://mentorship.example.org",
    "DATABASE_URL": "sqlite:////tmp/unused-by-check.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/0",  # not connected to by the check
    "DJANGO_SETTINGS_MODULE": "mentorship.settings",
}


def manage(*args, env=None, **kwargs):
    # Only what a deployment would set: no test-run variables such as
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the browser tests set in this process.
    unwanted = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unwanted}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        **kwargs,
    )


def test_check_deploy_reports_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_processes_would_not_share_a_cache():
    env = {**PRODUCTION_ENV, "REDIS_URL": ""}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "mentorship.W001" in result.stdout + result.stderr
    assert "REDIS_URL is not set" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_collectstatic_builds_the_compressed_manifest(tmp_path):
    # The manifest storage fails at collectstatic time when a stylesheet points to a
    # file that does not exist; catch that here, not on deploy day.
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; from django.core.management import call_command;"
        f"settings.STATIC_ROOT = {str(tmp_path)!r};"
        "call_command('collectstatic', '--noinput', verbosity=0)",
        env=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("bootstrap/css/bootstrap.min.*.css.gz"))


def test_database_url_selects_postgresql():
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], d['HOST'], d['PORT'])"
    )
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://app@db.internal:5433/mentorship"}
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql mentorship db.internal 5433" in result.stdout


def test_redis_url_makes_redis_the_broker_and_the_cache_with_the_database_behind_it():
    code = (
        "from django.conf import settings; c = settings.CACHES;"
        "print(settings.CELERY_BROKER_URL, c['default']['BACKEND'], c['default']['OPTIONS'],"
        " c['redis']['BACKEND'], c['redis']['LOCATION'], c['database']['BACKEND'])"
    )
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://cache.internal:6379/0"}
    result = manage("shell", "-c", code, env=env)
    assert (
        "redis://cache.internal:6379/0 mentorship.common.cache.FallbackCache "
        "{'PRIMARY': 'redis', 'FALLBACK': 'database', 'RETRY_AFTER': 15} "
        "django.core.cache.backends.redis.RedisCache redis://cache.internal:6379/0 "
        "django.core.cache.backends.db.DatabaseCache"
    ) in result.stdout, result.stdout + result.stderr


def test_staff_need_two_factor_by_default_in_production_and_in_debug_alike():
    show = "from django.conf import settings; print(settings.MFA_REQUIRED_FOR_STAFF)"
    for env in (PRODUCTION_ENV, {**PRODUCTION_ENV, "DEBUG": "1", "SECRET_KEY": ""}):
        result = manage("shell", "-c", show, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "True"


def test_production_refuses_to_run_without_the_site_address():
    env = {**PRODUCTION_ENV, "SITE_URL": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "mentorship.E001" in result.stderr
    assert "SITE_URL is not set." in result.stderr


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mentors.example.org", "must start with https://"),
        ("ftp://mentors.example.org", "must start with https://"),
        ("https://mentors.example.org/app", "the site's root only"),
        ("https://mentors.example.org:port", "is not a web address"),
    ],
)
def test_a_site_address_that_cannot_root_a_link_is_refused(url, says):
    from mentorship.apps import site_url_problem

    assert says in site_url_problem(url)


def test_development_links_to_the_local_server_without_a_site_address():
    code = "from django.conf import settings; print(settings.SITE_URL)"
    env = {"DEBUG": "1", "SITE_URL": "", "DJANGO_SETTINGS_MODULE": "mentorship.settings"}
    result = manage("shell", "-c", code, env={**env, "DATABASE_URL": "sqlite://"})
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8000", result.stderr


def test_make_run_links_emails_to_the_port_it_serves():
    recipe = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", "HOST=127.0.0.1", "PORT=8101"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "SITE_URL=${SITE_URL:-http://127.0.0.1:8101}" in recipe
    assert "runserver 127.0.0.1:8101" in recipe
