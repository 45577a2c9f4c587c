"""What the bot missed goes to the review list (bot/teaching): a question it asked back
about or fell back on (actions/fallback.py), and an answer the person turned down
("nee, dat bedoel ik niet")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.blocking import BlockingAction, action_settings
from actions.tracker_reading import bot_actions_newest_first, previous_user_message
from bot import clock
from bot.teaching.review import keep_for_review
from bot.vocabulary import ReviewReason
from infra.db.session import session_scope

ANSWER_ACTION = "action_answer_question"


def keep_missed(
    tracker: Tracker, text: str | None, reason: ReviewReason, guesses: Sequence[str]
) -> None:
    """Keeps a message the bot missed for the region's coordinator to label."""
    with session_scope() as session:
        keep_for_review(
            session,
            tracker.sender_id,
            text,
            reason,
            guesses,
            now=clock.now(),
            default_region=action_settings().default_region,
        )


class ActionDeny(BlockingAction):
    """A loose "nee": fine. Right after an answer ("nee, dat bedoel ik niet"), the
    question that got it goes to the review list with the answer it got."""

    def name(self) -> str:
        return "action_deny"

    def work(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if bot_actions_newest_first(tracker)[:1] == [ANSWER_ACTION]:
            earlier = previous_user_message(tracker)
            if earlier is not None:
                text, ranking = earlier
                keep_missed(tracker, text, ReviewReason.CORRECTED, [r.name for r in ranking])
        dispatcher.utter_message(response="utter_deny_ok")
        return []
