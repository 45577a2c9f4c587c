from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import BlockingAction
from actions.children import ask_which_child
from actions.handoff import waiting_note
from bot import clock
from bot.identity.access import Purpose, authorise
from bot.welcome import welcome_buttons
from infra.db.session import session_scope


class ActionGreetUser(BlockingAction):
    """Greets by first name when the conversation is linked to a person, with quick
    replies for the main topics (the chat page opens every conversation with this)."""

    def name(self) -> str:
        return "action_greet_user"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # Identity comes from the database link for this conversation, never from slots.
        with session_scope() as session:
            access = authorise(session, tracker.sender_id, Purpose.NAME, today=clock.today())
        buttons = welcome_buttons(access.role)
        waiting = waiting_note(tracker.sender_id)
        # The quick replies go under the last message, where the widget shows them.
        greeting_buttons = [] if waiting else buttons
        if access.anonymous:
            dispatcher.utter_message(response="utter_greet_anonymous", buttons=greeting_buttons)
        else:
            dispatcher.utter_message(
                response="utter_greet_named",
                first_name=access.viewer_first_name,
                buttons=greeting_buttons,
            )
        if waiting:
            dispatcher.utter_message(text=waiting, buttons=buttons)
        elif access.choose_child:
            # Several children and none chosen: which one first (the topics follow).
            ask_which_child(dispatcher, access.children_names)
        return []
