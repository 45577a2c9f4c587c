from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import BlockingAction, action_settings
from bot import clock
from bot.content.catalog import button, catalog, text
from bot.escalation.follow_up import come_back_code, contact_of, erase_contact
from bot.identity.access import Purpose, authorise
from bot.identity.privacy import Erasure, erase_personal_data, stored_data
from infra.db.session import session_scope
from infra.jobs import purge_erased

logger = logging.getLogger(__name__)

ERASURE_SLOT = "erasure_requested"
# Rasa saves the turn after this action returns. A first purge runs soon after that, so
# the transcript goes at once; the queued purge (the web app's job) makes sure of it.
PURGE_DELAY_SECONDS = 5.0
# Keeps a reference to running purges, so they are not garbage-collected half-way.
_pending: set[asyncio.Task] = set()


def purge_soon(conversation_ids: tuple[str, ...]) -> None:
    settings = action_settings()

    async def purge() -> None:
        await asyncio.sleep(PURGE_DELAY_SECONDS)
        try:
            summary = await asyncio.to_thread(purge_erased, settings, clock.now(), conversation_ids)
            logger.info("First purge after an erasure request: %s.", summary)
        except Exception:
            logger.exception("First purge after an erasure request failed; the job retries.")

    _pending.add(task := asyncio.get_running_loop().create_task(purge()))
    task.add_done_callback(_pending.discard)


class ActionShowStoredData(BlockingAction):
    """Answers "welke gegevens hebben jullie van mij?" with a readable summary."""

    def name(self) -> str:
        return "action_show_stored_data"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with session_scope() as session:
            summary = stored_data(session, tracker.sender_id, today=clock.today())
            contact = contact_of(session, tracker.sender_id)
        if summary is None:
            dispatcher.utter_message(response="utter_stored_data_anonymous")
            if contact is not None:
                reference, email = contact
                dispatcher.utter_message(
                    text=text("handoff", "contact_kept", reference=reference, email=email)
                )
            return []
        content = catalog()
        lines = "\n".join(
            f"- {content.message('stored_data_labels', key)}: {value}"
            for key, value in summary.items
        )
        dispatcher.utter_message(response="utter_stored_data", items=lines)
        return []


class ActionAskErasure(BlockingAction):
    """Asks to confirm "verwijder mijn gegevens" before anything is removed."""

    def name(self) -> str:
        return "action_ask_erasure"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        with session_scope() as session:
            access = authorise(session, tracker.sender_id, Purpose.NAME, today=clock.today())
            erased = (
                erase_contact(session, tracker.sender_id, now=clock.now())
                if access.anonymous
                else 0
            )
            # Without the address, the answer still has a way back: a code.
            code = (
                come_back_code(
                    session,
                    tracker.sender_id,
                    secret_key=action_settings().secret_key,
                    now=clock.now(),
                )
                if erased
                else None
            )
        if access.anonymous:
            # The only personal data of an anonymous asker: gone at once.
            if code is not None:
                dispatcher.utter_message(
                    text=text(
                        "handoff", "contact_erased_code", reference=code.reference, code=code.code
                    )
                )
            elif erased:
                dispatcher.utter_message(text=text("handoff", "contact_erased"))
            else:
                dispatcher.utter_message(response="utter_erasure_anonymous")
            return [SlotSet(ERASURE_SLOT, False)]
        dispatcher.utter_message(
            response="utter_confirm_erasure",
            buttons=[
                button("erase_all", "/affirm"),
                button("keep_data", "/deny"),
            ],
        )
        return [SlotSet(ERASURE_SLOT, True)]


class ActionErase(Action):
    """After a confirmed request: removes links and stored conversations, anonymises notes.
    Async (not a BlockingAction): the first purge is scheduled on the event loop."""

    def name(self) -> str:
        return "action_erase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not tracker.get_slot(ERASURE_SLOT):
            return []

        def erase() -> Erasure | None:
            with session_scope() as session:
                return erase_personal_data(session, tracker.sender_id, now=clock.now())

        erasure = await asyncio.to_thread(erase)
        if erasure is None:
            dispatcher.utter_message(response="utter_erasure_anonymous")
        else:
            purge_soon(erasure.conversation_ids)
            dispatcher.utter_message(response="utter_erased")
        return [SlotSet(ERASURE_SLOT, False)]


class ActionCancelErasure(BlockingAction):
    def name(self) -> str:
        return "action_cancel_erasure"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_erasure_cancelled")
        return [SlotSet(ERASURE_SLOT, False)]
