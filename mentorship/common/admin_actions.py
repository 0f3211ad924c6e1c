"""One helper for every admin action that runs a service over the selected rows."""

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError


def apply_each(
    request, items: Iterable, action: Callable, verb: str, describe: Callable = str
) -> int:
    """Run ``action`` on each item; report how many worked and each refusal's reason.

    ``verb`` names what was done ("Approved"); leave it empty when ``action`` reports
    each row itself. A refusal (the service's ValidationError) does not stop the
    others: the committee sees every row that was not changed, and why. Returns how
    many worked.
    """
    done, errors = 0, []
    for item in items:
        try:
            action(item)
            done += 1
        except ValidationError as error:
            errors.append(f"{describe(item)}: {' '.join(error.messages)}")
    report(request, done=done, errors=errors, verb=verb)
    return done


MESSAGES_SHOWN = 20


def report(request, *, done: int, errors: list[str], verb: str) -> None:
    """ "Approved 40." and each refusal, the first ``MESSAGES_SHOWN`` of them in full."""
    if done and verb:
        messages.success(request, f"{verb} {done:,}.")
    for error in errors[:MESSAGES_SHOWN]:
        messages.error(request, error)
    if len(errors) > MESSAGES_SHOWN:
        messages.error(
            request,
            f"…and {len(errors) - MESSAGES_SHOWN:,} more were not changed for reasons like "
            "these. Filter the list to find them.",
        )
