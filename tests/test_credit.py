"""The crediting rule and the rounding rule (hrzone.credit)."""

from hrzone.credit import credited_min, credited_s, shown_min


def test_vigorous_counts_double() -> None:
    # WHO 2020: 75 vigorous minutes are equivalent to 150 moderate minutes.
    assert credited_min(0, 75 * 60) == 150.0
    assert credited_min(150 * 60, 0) == 150.0
    assert credited_s(30, 15) == 60.0


def test_shown_min_rounds_halves_up_to_one_decimal() -> None:
    assert shown_min(24.45) == 24.5
    assert shown_min(24.44) == 24.4
    assert shown_min(0.05) == 0.1
    assert shown_min(0.0) == 0.0
    assert shown_min(2.25) == 2.3   # banker's rounding would give 2.2
