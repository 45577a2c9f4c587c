"""Deciding between answering, asking back and offering a person.

The bot never gives a confident wrong answer: below the thresholds it asks which topic
was meant (two or three buttons); when that fails too, it offers a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Intents whose answers come from the content catalog (retrieval intents).
CONTENT_TOPICS = ("route", "travel", "exam")
# The response selector must be at least this sure of the exact answer.
ANSWER_THRESHOLD = 0.5
MAX_OPTIONS = 3
# Candidates below this are not worth a button.
MIN_OPTION_CONFIDENCE = 0.05
# After this many misunderstood messages in a row, a person is offered.
FALLBACKS_BEFORE_HUMAN = 1


@dataclass(frozen=True)
class Ranked:
    name: str
    confidence: float


@dataclass(frozen=True)
class Decision:
    answer_id: str | None = None  # answer this
    options: tuple[str, ...] = ()  # or ask back with these answers as buttons
    offer_human: bool = False  # or offer a person


def topic_of(answer_id: str) -> str:
    return answer_id.split("/", 1)[0]


def clarification_options(
    intent_ranking: Sequence[Ranked],
    answer_ranking: Sequence[Ranked],
    known_answers: Iterable[str],
) -> tuple[str, ...]:
    """The likeliest answers, within the two likeliest content topics."""
    topics = [
        ranked.name
        for ranked in intent_ranking
        if ranked.name in CONTENT_TOPICS and ranked.confidence >= MIN_OPTION_CONFIDENCE
    ][:2]
    known = set(known_answers)
    options = [
        ranked.name
        for ranked in sorted(answer_ranking, key=lambda r: r.confidence, reverse=True)
        if topic_of(ranked.name) in topics
        and ranked.name in known
        and ranked.confidence >= MIN_OPTION_CONFIDENCE
    ]
    return tuple(options[:MAX_OPTIONS])


def decide_content_answer(
    topic: str,
    intent_ranking: Sequence[Ranked],
    answer_ranking: Sequence[Ranked],
    known_answers: Iterable[str],
) -> Decision:
    """Answer when the best answer in the predicted topic is sure enough, else ask back."""
    known = set(known_answers)
    in_topic = [
        ranked
        for ranked in sorted(answer_ranking, key=lambda r: r.confidence, reverse=True)
        if topic_of(ranked.name) == topic and ranked.name in known
    ]
    if in_topic and in_topic[0].confidence >= ANSWER_THRESHOLD:
        return Decision(answer_id=in_topic[0].name)
    options = clarification_options(intent_ranking, answer_ranking, known)
    if not options:
        return Decision(offer_human=True)
    return Decision(options=options)


def decide_fallback(
    intent_ranking: Sequence[Ranked],
    answer_ranking: Sequence[Ranked],
    known_answers: Iterable[str],
    fallbacks_in_a_row: int,
) -> Decision:
    """For a message the classifier was not sure about: ask back first, then offer a person."""
    if fallbacks_in_a_row >= FALLBACKS_BEFORE_HUMAN:
        return Decision(offer_human=True)
    options = clarification_options(intent_ranking, answer_ranking, known_answers)
    return Decision(options=options)


def fallbacks_in_a_row(action_names: Sequence[str], fallback_actions: Iterable[str]) -> int:
    """How many of the bot's latest turns, newest first, were fallbacks."""
    fallback = set(fallback_actions)
    count = 0
    for name in action_names:
        if name not in fallback:
            break
        count += 1
    return count
