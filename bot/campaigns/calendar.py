"""The route calendar (bot/content/calendar.yml): the dates that decide a student's next
step, each with its source, the phases it concerns and the concrete task it asks for."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from bot.content.catalog import CONTENT_DIR, ContentError, catalog, flow
from bot.vocabulary import CampaignTask, Recipients

CALENDAR_FILE = "calendar.yml"
ALL_REGIONS = "all"


@dataclass(frozen=True)
class CalendarEntry:
    key: str
    title: str
    month: int
    day: int
    remind_days: int
    phases: tuple[str, ...]
    regions: tuple[str, ...] | None  # None: every region
    task: CampaignTask
    button: str | None
    messages: Mapping[Recipients, str]
    sources: tuple[str, ...]
    inference: bool

    def on(self, year: int) -> date:
        """The entry's date in a year; 29 February is the 28th in other years."""
        if (self.month, self.day) == (2, 29) and not calendar.isleap(year):
            return date(year, 2, 28)
        return date(year, self.month, self.day)

    def next_date(self, today: date) -> date:
        """The entry's date this year, or next year once it has passed."""
        this_year = self.on(today.year)
        return this_year if this_year >= today else self.on(today.year + 1)

    def window(self, today: date) -> tuple[date, date]:
        """From when to when a campaign about the next occurrence may send: the
        reminder days before the date, up to and including the date itself."""
        due = self.next_date(today)
        return max(today, due - timedelta(days=self.remind_days)), due

    def concerns_region(self, region_code: str) -> bool:
        return self.regions is None or region_code in self.regions


def _entry(key: str, raw: Mapping, source_ids: set[str]) -> CalendarEntry:
    where = f"calendar {key}"
    try:
        month, day = (int(part) for part in str(raw["date"]).split("-"))
        date(2000, month, day)  # a leap year: 02-29 is allowed
    except (KeyError, ValueError) as error:
        raise ContentError(f"{where}: date must be MM-DD") from error
    task = CampaignTask(raw.get("task", "none"))
    if task is CampaignTask.CONFIRM and not str(raw.get("button") or "").strip():
        raise ContentError(f"{where}: a confirm task needs a button text")
    messages = {
        who: flow(raw[who.value]) for who in Recipients if str(raw.get(who.value) or "").strip()
    }
    if not messages:
        raise ContentError(f"{where}: a message for students or guardians is needed")
    if task is CampaignTask.CHECK_IN and Recipients.GUARDIANS in messages:
        raise ContentError(f"{where}: only students check in")
    sources = tuple(raw.get("sources") or ())
    if not sources or any(source not in source_ids for source in sources):
        raise ContentError(f"{where}: every entry needs known sources")
    phases = tuple(raw.get("phases") or ())
    if not phases:
        raise ContentError(f"{where}: name the phases it concerns")
    regions = raw.get("regions", ALL_REGIONS)
    return CalendarEntry(
        key=key,
        title=str(raw["title"]),
        month=month,
        day=day,
        remind_days=int(raw.get("remind_days", 14)),
        phases=phases,
        regions=None if regions == ALL_REGIONS else tuple(regions),
        task=task,
        button=str(raw["button"]).strip() if raw.get("button") else None,
        messages=messages,
        sources=sources,
        inference=bool(raw.get("inference", False)),
    )


def load_calendar(directory: Path = CONTENT_DIR) -> dict[str, CalendarEntry]:
    raw = yaml.safe_load((directory / CALENDAR_FILE).read_text(encoding="utf-8"))
    source_ids = set(catalog().sources)
    return {key: _entry(key, entry, source_ids) for key, entry in raw["entries"].items()}


@lru_cache(maxsize=1)
def route_calendar() -> dict[str, CalendarEntry]:
    """The calendar, loaded and checked once per process."""
    return load_calendar()


def upcoming(today: date, region_code: str | None = None) -> list[CalendarEntry]:
    """The entries in date order from today, for the inbox's "new campaign" page."""
    entries = [
        entry
        for entry in route_calendar().values()
        if region_code is None or entry.concerns_region(region_code)
    ]
    return sorted(entries, key=lambda entry: (entry.next_date(today), entry.key))
