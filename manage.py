#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
    # Management commands run on a developer's machine by default, as `make run` does;
    # production sets DEBUG=0 (and SECRET_KEY) explicitly. The web server (wsgi.py) and
    # the Celery worker never get this default, so they stay on the secure settings.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
