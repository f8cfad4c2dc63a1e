"""FHIR dates as the record gives them: a full date, or a partial one ('2020', '2020-05') read as the
range of days it may mean, so that a window test is answered only when the whole range agrees."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

Span = tuple[dt.date, dt.date]  # first and last day the value may mean


def span(value: Any) -> Span | None:
    """The days a FHIR date, dateTime or instant may mean; None when absent or unreadable."""
    if isinstance(value, dt.datetime):
        return value.date(), value.date()
    if isinstance(value, dt.date):
        return value, value
    if isinstance(value, str):
        parts = value.split("-")
        try:
            if len(parts) == 1:
                year = int(parts[0])
                return dt.date(year, 1, 1), dt.date(year, 12, 31)
            if len(parts) == 2:
                year, month = int(parts[0]), int(parts[1])
                return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        except ValueError:
            return None
    return None


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the last day of a shorter month)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_months(start: dt.date, end: dt.date) -> int:
    """Completed calendar months from `start` to `end` (0 when end is before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(0, months)


def age_on(birth: Span, day: dt.date) -> tuple[int, int]:
    """The youngest and oldest age a birth date range gives on `day`."""
    return _years(birth[1], day), _years(birth[0], day)


def _years(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
