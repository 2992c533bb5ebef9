"""How a similarity or a share (a number from 0 to 1) is shown to people, in one place: the
CLI's summaries, the static HTML report and the service's pages all print it with
:func:`percent`, and the cohort's histogram bins and thresholds compare what it shows
(:func:`tenths`), so the same pair reads as the same number, in the same band, everywhere.

The rule: one decimal of a percent, the number rounded half up as it is written (the JSON's
0.2995 is 30.0%, not the 29.9% its nearest binary float would round to), except that a value
below 1 never shows as 100.0% and a value above 0 never as 0.0%: those two read as "identical"
and "nothing in common", which an assessor takes at their word. So 0.9996 shows 99.9% and
0.0004 shows 0.1%; only 1 itself is 100.0%, only 0 itself 0.0%.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Tenths of a percent in the whole (1 = 100.0%).
WHOLE = 1000


def tenths(value: float) -> int:
    """The tenths of a percent :func:`percent` shows for ``value`` (clamped to 0-1): 0 to 1000."""
    clamped = min(1.0, max(0.0, float(value)))
    # repr is the shortest text that reads back as the same float: the number as written.
    shown = int(Decimal(repr(clamped)).scaleb(3).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if shown == WHOLE and clamped < 1.0:
        return WHOLE - 1
    if shown == 0 and clamped > 0.0:
        return 1
    return shown


def percent(value: float) -> str:
    """``value`` (0 to 1) as people read it everywhere: ``"99.6%"``."""
    whole, tenth = divmod(tenths(value), 10)
    return f"{whole}.{tenth}%"


__all__ = ["WHOLE", "percent", "tenths"]
