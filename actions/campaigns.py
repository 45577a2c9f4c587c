"""Campaign messages in the chat: shown once at the start of a visit or pushed into an
open chat (with the nudges), the task buttons under them, and "stop met berichten"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import BlockingAction, action_settings
from bot import clock
from bot.campaigns.showing import (
    PendingMessage,
    answer_task,
    set_messages,
    take_pending_message,
)
from bot.campaigns.wording import messages_off
from bot.content.catalog import button, text
from bot.vocabulary import CampaignTask, PersonRole
from infra.db.session import session_scope

TASK_DONE_INTENT = "campaign_task_done"
TASK_NOT_YET_INTENT = "campaign_task_not_yet"
MESSAGES_OFF_INTENT = "messages_off"


def message_buttons(message: PendingMessage) -> list[dict[str, str]]:
    if message.task is CampaignTask.CONFIRM and message.button:
        return [
            {"title": message.button, "payload": f"/{TASK_DONE_INTENT}"},
            button("not_yet", f"/{TASK_NOT_YET_INTENT}"),
        ]
    if message.task is CampaignTask.CHECK_IN:
        return [button("checkin_now", "/checkin"), button("later", "/deny")]
    return []


def show_pending_campaign_message(dispatcher: CollectingDispatcher, sender_id: str) -> None:
    """The person's newest campaign message, once, when they open the chat."""
    with session_scope() as session:
        message = take_pending_message(session, sender_id, now=clock.now())
    if message is not None:
        dispatcher.utter_message(text=message.body, buttons=message_buttons(message))


class ActionCampaignAnswer(BlockingAction):
    """A button under a campaign message: "Ja, ik heb me aangemeld" or "Nog niet"."""

    def name(self) -> str:
        return "action_campaign_answer"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        done = (tracker.latest_message.get("intent") or {}).get("name") == TASK_DONE_INTENT
        with session_scope() as session:
            answered = answer_task(session, tracker.sender_id, done, now=clock.now())
        if not answered:
            dispatcher.utter_message(text=text("campaigns", "nothing_to_answer"))
        else:
            dispatcher.utter_message(text=text("campaigns", "task_done" if done else "not_yet"))
        return []


class ActionMessages(BlockingAction):
    """ "stop met berichten" or "berichten aan": no nudges and campaign messages for
    the linked person, or again."""

    def name(self) -> str:
        return "action_messages"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        said = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        off = messages_off(said, intent == MESSAGES_OFF_INTENT)
        with session_scope() as session:
            role = set_messages(session, tracker.sender_id, off, now=clock.now())
        if role is None:
            dispatcher.utter_message(text=text("campaigns", "anonymous"))
            return []
        audience = "student" if role is PersonRole.STUDENT else "guardian"
        cap = action_settings().messages_per_week
        dispatcher.utter_message(text=text("campaigns", "off" if off else "on", audience, cap=cap))
        return []
