"""The committee's admin: a UI over services, with a fixed number of queries per page.

One module per sub-domain; importing them registers their model admins.
"""

from mentorship.admin import (  # noqa: F401
    audit,
    cohorts,
    enrollments,
    graduation,
    organisation,
    outbox,
    users,
)
