"""Small talk, calm replies to insults and jokes, and the reply to the reply after a
risk message."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import answer_ranking
from bot.clarify import best_in_topic
from bot.risk.mood import sounds_unwell

CHITCHAT = "chitchat"
# Said when the selector ranks no small-talk answer at all (it should not happen).
NO_CHITCHAT_ANSWER = "utter_capabilities"
# Small talk that assumes all is well, and what is said instead when it does not sound so.
CHEERFUL = frozenset({"chitchat/doing_well", "chitchat/how_are_you", "chitchat/compliment"})
UNWELL_RESPONSE = "utter_sounds_unwell"


class ActionChitchat(Action):
    """Speaks the likeliest small-talk answer ("utter_chitchat/<key>").

    Rasa's own utter_chitchat would speak the selector's top answer, which may belong to
    another retrieval intent ("route/...") and then says nothing at all.
    """

    def name(self) -> str:
        return "action_chitchat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        known = [
            name.removeprefix("utter_")
            for name in domain.get("responses", {})
            if name.startswith(f"utter_{CHITCHAT}/")
        ]
        best = best_in_topic(CHITCHAT, answer_ranking(tracker), known)
        if (
            best is not None
            and best.name in CHEERFUL
            and sounds_unwell(tracker.latest_message.get("text"))
        ):
            # "het gaat niet zo goed" read as "het gaat goed": never a cheerful answer.
            dispatcher.utter_message(response=UNWELL_RESPONSE)
            return []
        dispatcher.utter_message(response=f"utter_{best.name}" if best else NO_CHITCHAT_ANSWER)
        return []
