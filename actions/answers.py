from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import BlockingAction
from actions.children import ask_which_child
from actions.follow_up import FOLLOW_UP_PREFIX, answer_follow_up
from actions.tracker_reading import answer_ranking, intent_ranking, message_entities, raw_entity
from bot import clock
from bot.clarify import CONTENT_TOPICS, Decision, decide_content_answer
from bot.content.catalog import Catalog, button, catalog
from bot.identity.access import Purpose, authorise
from bot.personal import route_position, topic_addition
from infra.db.session import session_scope

# What "waar staat dat?" needs about the last answer: its source ids and whether it
# goes beyond them.
SOURCES_SLOT = "last_answer_sources"
INFERENCE_SLOT = "last_answer_inference"
CHOOSE_ANSWER_INTENT = "choose_answer"
PURPOSE_BY_TOPIC = {"travel": Purpose.ROUTE, "exam": Purpose.EXAMS}


def answer_buttons(content: Catalog, answer_ids: tuple[str, ...]) -> list[dict[str, str]]:
    return [
        {
            "title": content.answers[answer_id].title,
            "payload": f'/{CHOOSE_ANSWER_INTENT}{{"answer_id": "{answer_id}"}}',
        }
        for answer_id in answer_ids
    ]


def option_buttons(content: Catalog, answer_ids: tuple[str, ...]) -> list[dict[str, str]]:
    return [
        *answer_buttons(content, answer_ids),
        button("ask_school", "/request_human"),
    ]


def remember_sources(sources: list[str], *, inference: bool) -> list[dict[str, Any]]:
    return [
        SlotSet(SOURCES_SLOT, list(dict.fromkeys(sources))),
        SlotSet(INFERENCE_SLOT, inference),
    ]


def say_decision(dispatcher: CollectingDispatcher, content: Catalog, decision: Decision) -> None:
    """Asks back with buttons, or offers a person; an answer is said by the caller."""
    if decision.options:
        dispatcher.utter_message(
            response="utter_clarify", buttons=option_buttons(content, decision.options)
        )
    else:
        dispatcher.utter_message(
            response="utter_offer_human",
            buttons=[
                button("yes_please", "/request_human"),
                button("ask_differently", "/deny"),
            ],
        )


def say_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    content: Catalog,
    answer_id: str,
    alternatives: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Says a content answer, the person's own situation where it has one (through the
    identity gate), and the alternatives as buttons."""
    rendered = content.render(answer_id, message_entities(tracker))
    answer = content.answers[answer_id]
    dispatcher.utter_message(text=rendered.text)
    sources = list(rendered.sources)
    if answer.personal is not None:
        with session_scope() as session:
            access = authorise(
                session,
                tracker.sender_id,
                PURPOSE_BY_TOPIC[answer.personal],
                today=clock.today(),
                message_text=tracker.latest_message.get("text"),
            )
            addition = topic_addition(content, answer.personal, access)
        if access.choose_child:
            ask_which_child(dispatcher, access.children_names)
        elif addition is not None:
            dispatcher.utter_message(text=addition.text)
            sources.extend(addition.sources)
    if alternatives:
        dispatcher.utter_message(
            response="utter_other_answers",
            buttons=answer_buttons(content, alternatives),
        )
    return remember_sources(sources, inference=rendered.inference)


class ActionAnswerQuestion(BlockingAction):
    """Answers a route, travel or exam question from the content catalog, with its source.

    For a linked conversation, travel and exam answers get a paragraph about the
    student's own situation, read through the identity gate.
    """

    def name(self) -> str:
        return "action_answer_question"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        content = catalog()
        chosen = raw_entity(tracker, "answer_id") or ""
        if chosen.startswith(FOLLOW_UP_PREFIX):  # how an anonymous asker's answer goes
            answer_follow_up(dispatcher, tracker, chosen)
            return []
        decision = self._decide(tracker, content)
        if decision.answer_id is None:
            say_decision(dispatcher, content, decision)
            return []
        return say_answer(dispatcher, tracker, content, decision.answer_id, decision.alternatives)

    @staticmethod
    def _decide(tracker: Tracker, content: Catalog) -> Decision:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == CHOOSE_ANSWER_INTENT:
            # A button payload; only an answer id that exists is used.
            chosen = raw_entity(tracker, "answer_id")
            if chosen in content.answers:
                return Decision(answer_id=chosen)
            return Decision(offer_human=True)
        topic = intent if intent in CONTENT_TOPICS else None
        if topic is None:
            return Decision(offer_human=True)
        return decide_content_answer(
            topic, intent_ranking(tracker), answer_ranking(tracker), content.answers
        )


class ActionShowSource(BlockingAction):
    """Says where the last answer comes from ("waar staat dat?")."""

    def name(self) -> str:
        return "action_show_source"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        titles = catalog().source_titles(tracker.get_slot(SOURCES_SLOT) or [])
        if not titles:
            dispatcher.utter_message(response="utter_no_source_yet")
            return []
        dispatcher.utter_message(
            response="utter_source", sources="\n".join(f"- {title}" for title in titles)
        )
        if tracker.get_slot(INFERENCE_SLOT):
            dispatcher.utter_message(response="utter_source_inference")
        return []


class ActionMyRoute(BlockingAction):
    """Tells a linked student (or a guardian, about their child) where they are in the route."""

    def name(self) -> str:
        return "action_my_route"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        content = catalog()
        with session_scope() as session:
            access = authorise(
                session,
                tracker.sender_id,
                Purpose.ROUTE,
                today=clock.today(),
                message_text=tracker.latest_message.get("text"),
            )
            answer = route_position(content, access)
        if access.choose_child:
            ask_which_child(dispatcher, access.children_names)
            return []
        dispatcher.utter_message(text=answer.text)
        return remember_sources(list(answer.sources), inference=False)
