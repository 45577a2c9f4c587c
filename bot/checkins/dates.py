"""Reads a goal's date from Dutch text: "voor de kerst", "1 maart", "over twee weken".

Pure: the caller passes today's date. Returns the date and the text without the date
phrase, so "ik wil voor de kerst mijn rekentoets halen" gives 24 December and
"ik wil mijn rekentoets halen".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4,
    "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
NUMBERS = {
    "een": 1, "één": 1, "1": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
}  # fmt: skip
# Holidays as the last day before them: an approximation the bot says back to check.
HOLIDAYS = {
    "kerst": (12, 24),
    "kerstvakantie": (12, 19),
    "kerstmis": (12, 24),
    "oud en nieuw": (12, 31),
    "nieuwjaar": (12, 31),
    "carnaval": (2, 14),
    "voorjaarsvakantie": (2, 14),
    "krokusvakantie": (2, 14),
    "pasen": (4, 1),
    "meivakantie": (4, 25),
    "zomer": (7, 1),
    "zomervakantie": (7, 1),
    "herfstvakantie": (10, 10),
    "sinterklaas": (12, 5),
}
MAX_AHEAD = timedelta(days=2 * 365)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMBER = "|".join(sorted(NUMBERS, key=len, reverse=True))
_LEAD = r"(?:(?:voor|vóór|tot|uiterlijk|op|in|rond|met|na)\s+(?:de\s+|het\s+)?)?"
_NUMERIC_DATE = (
    rf"{_LEAD}(?P<day>\d{{1,2}})[-/](?P<month>\d{{1,2}})(?:[-/](?P<year>\d{{2}}|\d{{4}}))?\b"
)
_DAY_MONTH = rf"{_LEAD}(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH})\b\.?(?:\s+(?P<year>20\d\d))?"
_PART_OF_MONTH = rf"{_LEAD}(?P<part>begin|half|midden|eind|einde)\s+(?P<month>{_MONTH})\b"
_SPAN = (
    rf"(?:over|binnen|in)\s+(?P<amount>{_NUMBER}|\d{{1,2}})\s+"
    r"(?P<unit>dagen|dag|weken|week|maanden|maand)\b"
)
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
_RELATIVE = (
    rf"{_LEAD}(?P<word>overmorgen|morgen|deze week|volgende week|deze maand|volgende maand)\b"
    rf"(?:\s+(?:op\s+)?(?P<weekday>{'|'.join(WEEKDAYS)}))?"
)


@dataclass(frozen=True)
class DateInText:
    value: date
    rest: str  # the text without the date phrase


def _next(today: date, month: int, day: int) -> date:
    day = min(day, calendar.monthrange(today.year, month)[1])
    candidate = date(today.year, month, day)
    if candidate < today:
        last = calendar.monthrange(today.year + 1, month)[1]
        candidate = date(today.year + 1, month, min(day, last))
    return candidate


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(today: date, months: int) -> date:
    month_index = today.month - 1 + months
    year, month = today.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _span(amount: int, unit: str, today: date) -> date:
    if unit.startswith("dag"):
        return today + timedelta(days=amount)
    if unit.startswith("we"):
        return today + timedelta(weeks=amount)
    return _add_months(today, amount)


def _patterns(today: date) -> list[tuple[str, object]]:
    def numeric(match: re.Match) -> date | None:
        day, month = int(match["day"]), int(match["month"])
        year = match["year"]
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        if year is None:
            return _next(today, month, day)
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        try:
            return date(full_year, month, day)
        except ValueError:
            return None

    def day_month(match: re.Match) -> date | None:
        month = MONTHS[match["month"]]
        if int(match["day"]) > calendar.monthrange(2024, month)[1]:  # 2024: 29 February exists
            return None
        if match["year"]:
            try:
                return date(int(match["year"]), month, int(match["day"]))
            except ValueError:
                return None
        return _next(today, month, int(match["day"]))

    def part_of_month(match: re.Match) -> date:
        month = MONTHS[match["month"]]
        day = {"begin": 7, "half": 15, "midden": 15}.get(match["part"], 31)
        return _next(today, month, day)

    def span(match: re.Match) -> date:
        return _span(NUMBERS.get(match["amount"], 0) or int(match["amount"]), match["unit"], today)

    def relative(match: re.Match) -> date:
        word = match["word"]
        if word == "morgen":
            return today + timedelta(days=1)
        if word == "overmorgen":
            return today + timedelta(days=2)
        # A week ends on Friday for school, unless the student names the day.
        weekday = WEEKDAYS.index(match["weekday"]) if match["weekday"] else 4
        monday = today - timedelta(days=today.weekday())
        if word == "deze week":
            return max(today, monday + timedelta(days=weekday))
        if word == "volgende week":
            return monday + timedelta(weeks=1, days=weekday)
        if word == "deze maand":
            return _end_of_month(today.year, today.month)
        following = _add_months(today.replace(day=1), 1)
        return _end_of_month(following.year, following.month)

    return [
        (_NUMERIC_DATE, numeric),
        (_DAY_MONTH, day_month),
        (_PART_OF_MONTH, part_of_month),
        (_SPAN, span),
        (_RELATIVE, relative),
    ]


def find_date(text: str, today: date) -> DateInText | None:
    """The first date phrase in the text, or None when there is none."""
    lowered = text.lower()
    candidates = []
    for pattern, build in _patterns(today):
        match = re.search(pattern, lowered)
        if match:
            value = build(match)
            if value is not None:
                candidates.append((match.start(), match.end(), value))
    holiday_names = "|".join(sorted((re.escape(name) for name in HOLIDAYS), key=len, reverse=True))
    holiday = re.search(rf"{_LEAD}(?P<name>{holiday_names})\b", lowered)
    if holiday:
        candidates.append(
            (holiday.start(), holiday.end(), _next(today, *HOLIDAYS[holiday["name"]]))
        )
    if not candidates:
        return None
    start, end, value = min(candidates)
    rest = " ".join((text[:start] + " " + text[end:]).split())
    return DateInText(value=value, rest=rest)


def is_acceptable_goal_date(value: date, today: date) -> bool:
    """Not in the past, and not more than two years ahead."""
    return today <= value <= today + MAX_AHEAD
