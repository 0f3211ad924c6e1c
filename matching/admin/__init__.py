"""The committee's review of matching: runs, proposals, matches, hand matches, rematches.

Every workflow change goes through matching.services; the admin only shows and asks.
"""

from matching.admin import matches, proposals, runs  # noqa: F401
