"""The committee's review of matching: runs, proposals, matches, hand matches, rematches,
and the dates of the pairs' meetings.

Every workflow change goes through matching.services; the admin only shows and asks.
"""

from matching.admin import matches, meetings, proposals, runs  # noqa: F401
