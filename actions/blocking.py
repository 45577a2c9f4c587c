"""Actions whose work blocks: the domain database, kept files.

Rasa SDK runs every action on its one event loop. A database call made there (SQLite
may wait seconds for a lock) would hold up every other conversation on the action
server, so these actions do their work in a worker thread and the loop goes on serving
(docs/architecture.md, "Blocking work"). While the work runs, only that thread touches
the dispatcher and the tracker.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import Settings, load_settings


@lru_cache(maxsize=1)
def action_settings() -> Settings:
    """The settings, read once per action server: its environment does not change while
    it runs, and every action call needs them."""
    return load_settings()


class BlockingAction(Action, ABC):
    """Abstract (so Rasa SDK does not register it): subclasses name themselves and
    implement `work`."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.work, dispatcher, tracker, domain)

    @abstractmethod
    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The action's work, in a worker thread."""
