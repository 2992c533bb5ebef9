"""One way to show a similarity or a share to people, whatever prints it."""

from __future__ import annotations

import pytest

from originality.percents import percent, tenths


@pytest.mark.parametrize("value, shown", [
    (0.9959, "99.6%"),  # the audit's pair: "1.00", "99.6%" and "100%" before, by the surface
    (0.2994, "29.9%"),
    (0.2998, "30.0%"),
    (0.2995, "30.0%"),  # half up as written, though the float is a hair below 0.2995
    (0.1245, "12.5%"),  # half up, not to the even tenth
    (0.5, "50.0%"),
    (1.0, "100.0%"),
    (0.0, "0.0%"),
    (0.9996, "99.9%"),  # below 1 is never 100%
    (0.99999, "99.9%"),
    (0.0004, "0.1%"),  # above 0 is never 0%
    (0.00001, "0.1%"),
    (1.2, "100.0%"),  # clamped
    (-0.1, "0.0%"),
])
def test_one_decimal_never_reaching_100_or_0_from_inside(value: float, shown: str) -> None:
    assert percent(value) == shown
    assert tenths(value) == round(float(shown.rstrip("%")) * 10)


def test_a_numpy_similarity_reads_as_the_same_number() -> None:
    import numpy as np

    assert percent(np.round(np.float64(0.29951), 4)) == percent(0.2995) == "30.0%"
