"""A typed "ja" or "nee" answers the question the bot just asked with buttons.

"Zal ik je klacht doorgeven?" [Ja, geef het door] [Nee]: typing "ja" does what the first
button does, by running that button's action here. Only buttons that start something
safe to start are followed; any other "ja" gets the usual friendly question back.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.checkins import ActionStartCheckin
from actions.handoff import AFFIRM_ACTION, ActionHandoff

# First-button payload -> the action a "ja" runs (here, as part of this action).
FOLLOWED: dict[str, type[Action]] = {
    "/request_human": ActionHandoff,
    "/checkin": ActionStartCheckin,
}


def offered_buttons(tracker: Tracker) -> list[dict[str, Any]]:
    """The buttons of the bot's last message before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return []
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            return list((event.get("data") or {}).get("buttons") or [])
    return []


def action_for_yes(buttons: list[dict[str, Any]]) -> type[Action] | None:
    if not buttons:
        return None
    return FOLLOWED.get(str(buttons[0].get("payload") or "").strip())


class ActionAffirm(Action):
    def name(self) -> str:
        return AFFIRM_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        follow = action_for_yes(offered_buttons(tracker))
        if follow is not None:
            return await follow().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_affirm_unclear")
        return []
