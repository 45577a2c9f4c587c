from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.input_check import InputKind, classify_input

RESPONSE_FOR_KIND = {
    InputKind.OK: "utter_fallback_not_understood",
    InputKind.EMPTY: "utter_fallback_empty",
    InputKind.TOO_LONG: "utter_fallback_too_long",
    InputKind.NO_WORDS: "utter_fallback_no_words",
    InputKind.MARKUP: "utter_fallback_markup",
    InputKind.ENGLISH: "utter_fallback_english",
}


class ActionFallback(Action):
    """Explains in Dutch why the bot did not answer, fitting the kind of message."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kind = classify_input(tracker.latest_message.get("text"))
        dispatcher.utter_message(response=RESPONSE_FOR_KIND[kind])
        return []
