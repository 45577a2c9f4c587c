from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import say_answer, say_decision
from actions.blocking import BlockingAction
from actions.checkins import answer_for_chosen_child
from actions.risk import RISK_ACTION
from actions.small_talk import UNWELL_RESPONSE
from actions.teaching import keep_missed
from actions.tracker_reading import answer_ranking, bot_actions_newest_first, intent_ranking
from bot import clock
from bot.clarify import decide_fallback, fallbacks_in_a_row
from bot.content.catalog import catalog
from bot.identity.linking import choose_child_named_in
from bot.input_check import InputKind, classify_input
from bot.risk.mood import sounds_unwell
from bot.vocabulary import ReviewReason
from infra.db.session import session_scope

RESPONSE_FOR_KIND = {
    InputKind.EMPTY: "utter_fallback_empty",
    InputKind.NO_WORDS: "utter_fallback_no_words",
    InputKind.MARKUP: "utter_fallback_markup",
    InputKind.ENGLISH: "utter_fallback_english",
}


class ActionFallback(BlockingAction):
    """Answers a message the bot did not understand.

    Unusual input (empty, huge, emoji, markup, English) gets an explanation of its own.
    An ordinary message the bot was unsure about is answered when the response selector
    is fairly sure of a content answer; otherwise it gets a question back with the
    likeliest topics as buttons; when that happens twice in a row, the bot offers a person.
    """

    def name(self) -> str:
        return "action_fallback"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kind = classify_input(tracker.latest_message.get("text"))
        if bot_actions_newest_first(tracker)[:1] == [RISK_ACTION] and kind is InputKind.OK:
            # The reply to a risk message: more of the story, not a question to guess at.
            dispatcher.utter_message(response="utter_risk_noted")
            return []
        if kind is InputKind.OK:
            # "Lotte": a parent naming one of their children, after "Over welk kind?".
            with session_scope() as session:
                chosen = choose_child_named_in(
                    session,
                    tracker.sender_id,
                    tracker.latest_message.get("text") or "",
                    today=clock.today(),
                )
            if chosen is not None:
                return answer_for_chosen_child(dispatcher, tracker, domain, chosen)
        if kind is InputKind.TOO_LONG:
            # A conversation's first long message (its repeats within a minute are
            # answered by the channel, bot/edge_answer.py); one the model read as risk
            # went to the risk action instead.
            dispatcher.utter_message(text=catalog().message("too_long"))
            return []
        if kind is InputKind.NO_WORDS and sounds_unwell(tracker.latest_message.get("text")):
            # "😭😭😭": care, not "ik lees liever woorden".
            dispatcher.utter_message(response=UNWELL_RESPONSE)
            return []
        if kind is not InputKind.OK:
            dispatcher.utter_message(response=RESPONSE_FOR_KIND[kind])
            return []
        content = catalog()
        decision = decide_fallback(
            intent_ranking(tracker),
            answer_ranking(tracker),
            content.answers,
            fallbacks_in_a_row(bot_actions_newest_first(tracker), {self.name()}),
        )
        if decision.answer_id is not None:
            # The selector stands in for the unsure classifier (bot.clarify).
            return say_answer(
                dispatcher, tracker, content, decision.answer_id, decision.alternatives
            )
        if decision.options:
            keep_missed(
                tracker,
                tracker.latest_message.get("text"),
                ReviewReason.ASKED_BACK,
                decision.options,
            )
        else:
            guesses = [ranked.name for ranked in intent_ranking(tracker)]
            keep_missed(tracker, tracker.latest_message.get("text"), ReviewReason.FALLBACK, guesses)
        if decision.options or decision.offer_human:
            say_decision(dispatcher, content, decision)
        else:
            dispatcher.utter_message(response="utter_fallback_not_understood")
        return []
