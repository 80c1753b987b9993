"""Cron layout, test vectors and error messages (semantics doc §3, §7, §8)."""

from __future__ import annotations

import pytest
from rules_helpers import dt, ts

from kit._rules import InvalidCronExpression, is_due, next_after, parse_cron


def nexts(expr, start, n=3):
    out, t = [], start
    for _ in range(n):
        t = next_after(expr, t)
        out.append(t)
    return out


# --- the document's test vector table -------------------------------------------------


def test_six_fields_sixth_is_year_every_five_minutes_on_weekdays():
    assert nexts("*/5 * * * 1-5 *", dt(2024, 6, 7, 12, 3, 10)) == [
        dt(2024, 6, 7, 12, 5), dt(2024, 6, 7, 12, 10), dt(2024, 6, 7, 12, 15)]


def test_six_fields_skip_the_weekend():
    assert nexts("*/5 * * * 1-5 *", dt(2024, 6, 7, 23, 57)) == [
        dt(2024, 6, 10, 0, 0), dt(2024, 6, 10, 0, 5), dt(2024, 6, 10, 0, 10)]


def test_next_is_strictly_after_an_exact_slot():
    assert next_after("*/5 * * * 1-5 *", dt(2024, 6, 7, 12, 5)) == dt(2024, 6, 7, 12, 10)


def test_sub_second_part_is_ignored():
    assert next_after("*/5 * * * 1-5", ts(2024, 6, 7, 12, 5) + 0.5) == dt(2024, 6, 7, 12, 10)
    assert next_after("*/5 * * * *", ts(2024, 6, 7, 12, 5) + 0.3) == dt(2024, 6, 7, 12, 10)


def test_seven_fields_seconds_first_year_last():
    assert nexts("30 */5 * * * 1-5 *", dt(2024, 6, 7, 12, 3, 10), 2) == [
        dt(2024, 6, 7, 12, 5, 30), dt(2024, 6, 7, 12, 10, 30)]


def test_year_steps_and_the_130_year_window():
    assert nexts("0 0 1 1 * 2030/2", dt(2024, 6, 7)) == [dt(2030, 1, 1), dt(2032, 1, 1), dt(2034, 1, 1)]
    assert next_after("0 0 1 1 * 2090", dt(2024, 6, 7)) == dt(2090, 1, 1)  # beyond croniter's default 50 years


@pytest.mark.parametrize("expr", ["* * * * * 2019", "0 0 31 2 *", "0 0 30 2 * *"])
def test_no_future_match_is_none(expr):
    assert next_after(expr, dt(2024, 6, 7)) is None


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("0 9 * * 5L", dt(2024, 6, 28, 9)),  # last Friday of the month
        ("0 9 * * friday", dt(2024, 6, 7, 9)),
        ("0 0 ? * MON", dt(2024, 6, 10)),
        ("@weekly", dt(2024, 6, 9)),  # Sunday
        ("0 0 29 2 1", dt(2025, 2, 3)),  # Vixie OR: a Monday in February
    ],
)
def test_names_question_mark_L_aliases_and_vixie_or(expr, expected):
    assert next_after(expr, dt(2024, 6, 7)) == expected


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("@yearly", dt(2025, 1, 1)),
        ("@annually", dt(2025, 1, 1)),
        ("@monthly", dt(2024, 7, 1)),
        ("@daily", dt(2024, 6, 8)),
        ("@hourly", dt(2024, 6, 7, 13)),
        ("@HOURLY", dt(2024, 6, 7, 13)),
        ("0 0 * * 5#2", dt(2024, 6, 14)),  # second Friday
        ("0 0 L * *", dt(2024, 6, 30)),  # last day of the month
        ("0 0 15W * *", dt(2024, 6, 14)),  # 15th is a Saturday -> Friday 14th
        ("0 0 * JAN-MAR *", dt(2025, 1, 1)),
        ("0 0 * * 7", dt(2024, 6, 9)),  # 7 is Sunday
        ("05 00 * * *", dt(2024, 6, 8, 0, 5)),  # leading zeros
        ("0 0 */2 * 1", dt(2024, 6, 9)),  # '*/2' counts as restricted: OR with Monday
        ("0 0 1/10 * *", dt(2024, 6, 11)),  # 'a/n' = from a to the field max, every n
    ],
)
def test_more_syntax(expr, expected):
    assert next_after(expr, dt(2024, 6, 7, 12, 3, 10)) == expected


def test_normalised_forms():
    assert parse_cron("*/5 * * * 1-5 *").normalized == "0 0-59/5 * * * 1-5 *"
    assert parse_cron("*/5 * * * 1-5").normalized == "0 0-59/5 * * * 1-5 *"
    assert parse_cron("0 9 * * 5L").normalized == "0 0 9 * * L5 *"
    assert parse_cron("@weekly").normalized == "0 0 0 * * 0 *"
    assert parse_cron("0 0 ? * MONDAY").normalized == "0 0 0 * * 1 *"
    assert parse_cron("0 0 1 jan,Jul *").normalized == "0 0 0 1 1,7 * *"


# --- is_due (document §8) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "last, expected",
    [
        (None, True),  # first run
        (dt(1, 1, 1), True),  # Go's zero time
        (dt(1960, 1, 1), True),  # before 1970 behaves the same
        (dt(2024, 6, 7, 12, 3), True),  # slot 12:05 passed
        (ts(2024, 6, 7, 12, 5) + 0.2, False),  # next slot 12:10
        (dt(2024, 6, 4, 12, 7), True),  # three days ago: due (fires once)
    ],
)
def test_is_due_vectors(last, expected):
    assert is_due("*/5 * * * *", last, dt(2024, 6, 7, 12, 7)) is expected


def test_is_due_equality_fires():
    assert is_due("*/5 * * * *", dt(2024, 6, 7, 12, 3), dt(2024, 6, 7, 12, 5)) is True


def test_is_due_never_for_an_expression_without_future_match():
    assert is_due("* * * * * 2019", None, dt(2024, 6, 7)) is False
    assert is_due("* * * * * 2019", dt(2024, 1, 1), dt(2024, 6, 7)) is False


# --- errors, pinned in full ----------------------------------------------------------------

ERRORS = [
    ("*/75 * * * *",
     "invalid cron expression '*/75 * * * *': minute field '*/75': step 75 is out of range 1-59"),
    ("*/60 * * * *",
     "invalid cron expression '*/60 * * * *': minute field '*/60': step 60 is out of range 1-59"),
    ("*/0 * * * *",
     "invalid cron expression '*/0 * * * *': minute field '*/0': step 0 is out of range 1-59"),
    ("0 */24 * * *",
     "invalid cron expression '0 */24 * * *': hour field '*/24': step 24 is out of range 1-23"),
    ("* * * * */7",
     "invalid cron expression '* * * * */7': day-of-week field '*/7': step 7 is out of range 1-6"),
    ("5-2 * * * *",
     "invalid cron expression '5-2 * * * *': minute field '5-2': range 5-2 is reversed (5 > 2) and would never "
     "match: ranges go from low to high; for a wrap-around write two ranges, e.g. '5-59,0-2'"),
    ("0 22-2 * * *",
     "invalid cron expression '0 22-2 * * *': hour field '22-2': range 22-2 is reversed (22 > 2) and would never "
     "match: ranges go from low to high; for a wrap-around write two ranges, e.g. '22-23,0-2'"),
    ("* * * * 5-7",
     "invalid cron expression '* * * * 5-7': day-of-week field '5-7': range 5-7 ends at 7, which means Sunday (0) "
     "here, so the range is reversed: write '5-6,0'"),
    ("60 * * * *",
     "invalid cron expression '60 * * * *': minute field '60': value 60 is out of range 0-59"),
    ("0 0 0 * *",
     "invalid cron expression '0 0 0 * *': day-of-month field '0': value 0 is out of range 1-31"),
    ("0 0 1 13 *",
     "invalid cron expression '0 0 1 13 *': month field '13': value 13 is out of range 1-12"),
    ("* * * * * 1960",
     "invalid cron expression '* * * * * 1960': year field '1960': value 1960 is out of range 1970-2099"),
    ("61 * * * * * *",
     "invalid cron expression '61 * * * * * *': second field '61': value 61 is out of range 0-59"),
    ("a * * * *",
     "invalid cron expression 'a * * * *': minute field 'a': 'a' is not a valid value: use a number 0-59, "
     "'*', '?', a range 'a-b' or a step '*/n', 'a/n', 'a-b/n'"),
    ("0 0 * foo *",
     "invalid cron expression '0 0 * foo *': month field 'foo': 'foo' is not a valid value: use a number 1-12, "
     "a name (jan..dec), '*', '?', a range 'a-b' or a step '*/n', 'a/n', 'a-b/n'"),
    ("1,,2 * * * *",
     "invalid cron expression '1,,2 * * * *': minute field '1,,2': empty list item (two commas in a row, "
     "or a trailing comma)"),
    ("0 0 LW * *",
     "invalid cron expression '0 0 LW * *': day-of-month field 'LW': 'LW' (last weekday of the month) is not "
     "supported: use 'L' (last day of the month) or 'nW'"),
    ("0 0 15W,1 * *",
     "invalid cron expression '0 0 15W,1 * *': day-of-month field '15W,1': '15W' (nearest weekday) must be the "
     "whole field, not part of a list"),
    ("0 0 * * 5#6",
     "invalid cron expression '0 0 * * 5#6': day-of-week field '5#6': occurrence '6' in '5#6' is out of range "
     "1-5 (write 'day#k', k = 1..5)"),
    ("* * *",
     "invalid cron expression '* * *': expected 5, 6 or 7 fields, got 3: 5 = minute hour day-of-month month "
     "day-of-week, 6 = the same plus year, 7 = second minute hour day-of-month month day-of-week year"),
    ("* * * * * * * *",
     "invalid cron expression '* * * * * * * *': expected 5, 6 or 7 fields, got 8: 5 = minute hour day-of-month "
     "month day-of-week, 6 = the same plus year, 7 = second minute hour day-of-month month day-of-week year"),
    ("",
     "invalid cron expression '': it is empty: give 5, 6 or 7 fields such as '*/5 * * * *', or an alias such "
     "as '@hourly'"),
    ("@reboot",
     "invalid cron expression '@reboot': unknown alias '@reboot': use one of @yearly, @annually, @monthly, "
     "@weekly, @daily, @hourly (@midnight and @reboot are not supported)"),
    ("@midnight",
     "invalid cron expression '@midnight': unknown alias '@midnight': use one of @yearly, @annually, @monthly, "
     "@weekly, @daily, @hourly (@midnight and @reboot are not supported)"),
]


@pytest.mark.parametrize("expr, message", ERRORS, ids=[e for e, _ in ERRORS])
def test_invalid_expressions_say_which_field_and_why(expr, message):
    with pytest.raises(InvalidCronExpression) as info:
        parse_cron(expr)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_error_attributes():
    with pytest.raises(InvalidCronExpression) as info:
        parse_cron("*/75 * * * *")
    err = info.value
    assert (err.expr, err.field, err.token, err.reason) == (
        "*/75 * * * *", "minute", "*/75", "step 75 is out of range 1-59")
