"""Log filters: a refusal the site meant to give is one line, not a traceback.

Django logs every ``PermissionDenied`` (a 403) and every ``Http404`` it turns into a
page with the exception attached, so each non-staff visit to /admin/ printed a full
traceback among the real errors. The line ("Forbidden (Permission denied): /admin/")
stays; only the traceback of these expected refusals goes.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404

EXPECTED_REFUSALS = (PermissionDenied, Http404)


class ExpectedRefusalsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info, tuple) and isinstance(exc_info[1], EXPECTED_REFUSALS):
            record.exc_info = None
            record.exc_text = None
        return True
