"""A person's own data: everything the program holds about them, and erasing it.

    export   personal_data: what the program holds about one person, as plain data
    erasure  account_erase: the person's data erased or replaced by "Former participant
             #N", their pending mail cancelled, aggregates left as they were

It reads and writes every sub-domain's rows about a person, so it sits above them all.
"""

from mentorship.privacy.erasure import (
    ACCOUNT_ERASE_REFUSED_STAFF,
    ERASED_ACTION,
    account_erase,
    pseudonym_of,
)
from mentorship.privacy.export import personal_data

__all__ = [
    "ACCOUNT_ERASE_REFUSED_STAFF",
    "ERASED_ACTION",
    "account_erase",
    "personal_data",
    "pseudonym_of",
]
