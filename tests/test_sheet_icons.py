"""Icon arrays: grouped, affected people first, one picture per natural frequency, cheap to draw."""

from __future__ import annotations

import pytest

from decisionaid.sheet.icons import LAYOUTS, icon_array, people_positions


@pytest.mark.parametrize("denominator", sorted(LAYOUTS))
def test_every_person_is_drawn_once_and_the_affected_come_first(denominator):
    for count in sorted({0, 1, 2, denominator // 10 + 3, denominator // 2 + 1, denominator}):
        array = icon_array(count, denominator, alt="x")
        affected, others = people_positions(array, "affected"), people_positions(array, "unaffected")
        assert len(affected) == count and len(others) == denominator - count
        assert not set(affected) & set(others)
        order = _fill_order(array)
        assert affected == order[:count]  # grouped at the start, in reading order block by block


def test_two_in_a_thousand_sit_together_at_the_top_left():
    array = icon_array(2, 1000, alt="x")
    assert people_positions(array, "affected") == [(0, 0), (1, 0)]
    assert array.width_mm >= 50 and array.square * array.width_mm / array.columns >= 0.75  # squares of 0.75 mm or more


def test_drawing_is_deterministic_and_compact():
    a, b = icon_array(21, 1000, alt="x"), icon_array(21, 1000, alt="x")
    assert a == b
    assert (a.affected + a.unaffected).count("M") <= 1000 // 10 + 2  # one line per row of 10 people, not 1,000 shapes


def test_bad_numbers_are_refused():
    with pytest.raises(ValueError):
        icon_array(5, 50, alt="x")
    with pytest.raises(ValueError):
        icon_array(101, 100, alt="x")


def test_large_print_arrays_are_bigger():
    assert icon_array(3, 100, alt="x", large_print=True).width_mm > icon_array(3, 100, alt="x").width_mm


def _fill_order(array):
    across, down, width, height = LAYOUTS[array.denominator]
    return [(bx * (width + 1) + x, by * (height + 1) + y)
            for by in range(down) for bx in range(across) for y in range(height) for x in range(width)]
