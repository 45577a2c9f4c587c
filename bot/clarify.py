"""Deciding between answering, asking back and offering a person.

When the classifier says the message is a route, travel or exam question, the response
selector's likeliest answer is given: outright when it is sure, and with the next
likeliest answers as buttons ("Bedoel je iets anders?") when it is less sure. Measured
on blind messages (bench/blind_eval.py), its first answer is right far more often than
a question back helps. Only when it is really unsure does the bot ask which answer was
meant (two or three buttons); when that fails too, it offers a person.

A message the classifier was unsure about (the fallback) is still answered when the
selector is fairly sure of a content answer and the classifier gives no other intent
more: "mijn zoon zit in jaar 4 bijna de hele week op het ROC, is hij nog wel een
vmbo-leerling?" has a clear answer even when the classifier hesitates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Intents whose answers come from the content catalog (retrieval intents).
CONTENT_TOPICS = ("route", "travel", "exam")
# At this confidence of the response selector an answer is given outright;
ANSWER_THRESHOLD = 0.5
# from this one with alternatives; below it the bot asks back.
TENTATIVE_THRESHOLD = 0.1
MAX_ALTERNATIVES = 2
MAX_OPTIONS = 3
# Candidates below this are not worth a button.
MIN_OPTION_CONFIDENCE = 0.05
# After a fallback, the selector's likeliest content answer is given from this
# confidence on (on the blind dev sets every fallback answer above it was right).
STAND_IN_THRESHOLD = 0.3
# Intents that are no answer of their own: the fallback and risk (overruled by then).
NOT_AN_ANSWER = ("nlu_fallback", "risk")
# When the classifier's risk is overruled (bot/risk/decide.py), what it would have said
# otherwise: its ranking without risk, scaled up to one. From this share that intent
# stands; below it the message goes to the fallback.
INSTEAD_THRESHOLD = 0.7
# A message the classifier took for risk never gets a goodbye instead.
NEVER_INSTEAD = frozenset({"goodbye"})
# After a fallback, a topic is offered only when the classifier gave it this much: a
# message that is about none of them ("regent het morgen?") is declined, not asked back.
FALLBACK_TOPIC_CONFIDENCE = 0.15
# and only when the selector gives the likeliest option this much: "wat vindt u van de
# plannen van de regering om te bezuinigen op onderwijs?" got route 0.33 from the
# classifier and 0.06 for its best route answer; buttons about the route would not help.
FALLBACK_OPTION_CONFIDENCE = 0.1
# After this many misunderstood messages in a row, a person is offered.
FALLBACKS_BEFORE_HUMAN = 1


@dataclass(frozen=True)
class Ranked:
    name: str
    confidence: float


@dataclass(frozen=True)
class Decision:
    answer_id: str | None = None  # answer this
    alternatives: tuple[str, ...] = ()  # and offer these as "something else?"
    options: tuple[str, ...] = ()  # or ask back with these answers as buttons
    offer_human: bool = False  # or offer a person


def topic_of(answer_id: str) -> str:
    return answer_id.split("/", 1)[0]


def clarification_options(
    intent_ranking: Sequence[Ranked],
    answer_ranking: Sequence[Ranked],
    known_answers: Iterable[str],
    min_topic_confidence: float = MIN_OPTION_CONFIDENCE,
) -> tuple[str, ...]:
    """The likeliest answers, within the two likeliest content topics."""
    topics = [
        ranked.name
        for ranked in intent_ranking
        if ranked.name in CONTENT_TOPICS and ranked.confidence >= min_topic_confidence
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


def best_in_topic(
    topic: str, answer_ranking: Sequence[Ranked], known_answers: Iterable[str]
) -> Ranked | None:
    """The likeliest known answer of one topic: the response selector ranks the answers
    of every retrieval intent together, so its top answer may belong to another topic."""
    known = set(known_answers)
    in_topic = [
        ranked
        for ranked in sorted(answer_ranking, key=lambda r: r.confidence, reverse=True)
        if topic_of(ranked.name) == topic and ranked.name in known
    ]
    return in_topic[0] if in_topic else None


def content_candidates(
    answer_ranking: Sequence[Ranked], known_answers: Iterable[str]
) -> list[Ranked]:
    """The known content answers (of every content topic), likeliest first."""
    known = set(known_answers)
    return [
        ranked
        for ranked in sorted(answer_ranking, key=lambda r: r.confidence, reverse=True)
        if topic_of(ranked.name) in CONTENT_TOPICS and ranked.name in known
    ]


def answer_with_alternatives(candidates: Sequence[Ranked]) -> Decision:
    """The first candidate, outright when the selector is sure, else with the next ones
    as "something else?"."""
    if candidates[0].confidence >= ANSWER_THRESHOLD:
        return Decision(answer_id=candidates[0].name)
    alternatives = tuple(
        ranked.name
        for ranked in candidates[1 : 1 + MAX_ALTERNATIVES]
        if ranked.confidence >= MIN_OPTION_CONFIDENCE
    )
    return Decision(answer_id=candidates[0].name, alternatives=alternatives)


def decide_content_answer(
    topic: str,
    intent_ranking: Sequence[Ranked],
    answer_ranking: Sequence[Ranked],
    known_answers: Iterable[str],
) -> Decision:
    """Answer with the likeliest content answer (of any content topic: the selector ranks
    them all and is right more often than the topic the classifier chose), with
    alternatives when it is less sure; ask back when it is really unsure."""
    known = set(known_answers)
    candidates = content_candidates(answer_ranking, known)
    if candidates and candidates[0].confidence >= TENTATIVE_THRESHOLD:
        return answer_with_alternatives(candidates)
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
    """For a message the classifier was not sure about: answer when the selector stands
    in for it, else ask back first, then offer a person."""
    known = set(known_answers)
    candidates = content_candidates(answer_ranking, known)
    if candidates and candidates[0].confidence >= STAND_IN_THRESHOLD:
        best = candidates[0].confidence
        other_intents = [
            ranked
            for ranked in intent_ranking
            if ranked.name not in CONTENT_TOPICS and ranked.name not in NOT_AN_ANSWER
        ]
        if all(ranked.confidence < best for ranked in other_intents):
            return answer_with_alternatives(candidates)
    if fallbacks_in_a_row >= FALLBACKS_BEFORE_HUMAN:
        return Decision(offer_human=True)
    options = clarification_options(
        intent_ranking, answer_ranking, known, FALLBACK_TOPIC_CONFIDENCE
    )
    best_option = max((r.confidence for r in answer_ranking if r.name in options), default=0.0)
    if best_option < FALLBACK_OPTION_CONFIDENCE:
        return Decision()
    return Decision(options=options)


def ranking_instead(
    intent_ranking: Sequence[Ranked], left_out: Iterable[str]
) -> list[Ranked] | None:
    """The classifier's ranking without the intents left out, scaled up to one, when its
    first intent is sure enough on that scale to stand; None when it is not."""
    excluded = set(left_out)
    rest = sorted(
        (ranked for ranked in intent_ranking if ranked.name not in excluded),
        key=lambda r: r.confidence,
        reverse=True,
    )
    total = sum(ranked.confidence for ranked in rest)
    if not rest or total <= 0:
        return None
    scaled = [Ranked(ranked.name, ranked.confidence / total) for ranked in rest]
    if scaled[0].name in NEVER_INSTEAD or scaled[0].confidence < INSTEAD_THRESHOLD:
        return None
    return scaled


def fallbacks_in_a_row(action_names: Sequence[str], fallback_actions: Iterable[str]) -> int:
    """How many of the bot's latest turns, newest first, were fallbacks."""
    fallback = set(fallback_actions)
    count = 0
    for name in action_names:
        if name not in fallback:
            break
        count += 1
    return count
