"""How the program rounds the figures it shows, in one place."""

from decimal import ROUND_HALF_UP, Decimal


def percent(part: int, whole: int, *, digits: int = 1) -> float | int | None:
    """``part`` as a percentage of ``whole``, halves rounded up as on a calculator.

    None when there is nothing to divide by. ``digits=0`` gives a whole number, so 1 of
    8 is 13%, and with one digit 1 of 16 is 6.3%.
    """
    if not whole:
        return None
    exact = Decimal(100 * part) / Decimal(whole)
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(rounded) if digits == 0 else float(rounded)
