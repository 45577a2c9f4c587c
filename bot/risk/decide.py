"""Whether a message signals risk, and which kind: the word patterns and the trained
model together, recall first. Pure: the NLU component passes the model's rankings.

- A pattern that matches without negation is a signal, whatever the model thinks.
- The model alone is enough when the classifier's likeliest intent is risk (with at
  least LIKELIEST_THRESHOLD); or when
  its two parts agree: the classifier gives the risk intent at least MODEL_THRESHOLD
  and the response selector ranks a risk answer first, or the selector ranks a risk
  answer first with at least SELECTOR_THRESHOLD and the classifier does not rule it
  out (bench/blind_eval.py measures the balance).
- The model alone is overruled when the selector ranks an ordinary answer first with
  at least SELECTOR_VETO ("ik haat wiskunde 😂 zit dat ook in het toptraject?": the
  classifier says risk, the selector the building blocks). The selector ranks answers
  of every kind; on the blind dev sets no risk message had an ordinary first answer
  above 0.2. Never for acute: the crisis lines are not held back by a close call.
- The model alone, acute included, also needs the selector to give the risk answers
  together at least RISK_MASS: when the classifier says risk and the selector ranks no
  risk answer near the top ("ik daag je uit om te vloeken": jokes and small talk), the
  classifier has seized on a word. On the blind dev sets and a set of 160 acute
  messages written for this, every risk message had at least 0.28 there.
- The model alone is also overruled when the classifier gives out_of_scope at least
  OUT_OF_SCOPE_DOUBT and the selector singles out no kind of risk (none at least
  KIND_CLEAR): "hoe vraag ik zorgtoeslag aan? ik kom er niet uit op die website" and
  "mag mijn dochter van 16 bij haar vriendje slapen?" got risk from the classifier, with
  a little out_of_scope and no clear kind. No risk message of the blind dev sets or of
  the acute probe had both.
- A negated pattern ("ik word niet gepest") holds the model back unless the classifier
  is very sure (NEGATED_MODEL_THRESHOLD).
- A message of one or two words ("misschien", "gisteren": answers in a form) says too
  little for the model: there only the patterns count ("gepest", "wil dood").
- English messages are few in the training data, and the classifier leans to risk on
  English it does not know ("what is the weather like today"): there the selector must
  be fairly sure as well. English words of risk are in the patterns.
- Of several kinds, the most serious leads. The model's "acute" counts from a low
  confidence: the crisis lines are never held back by a close call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.clarify import Ranked
from bot.input_check import InputKind, classify_input
from bot.language.words import words as words_of
from bot.risk.patterns import Signal, find_signals
from bot.vocabulary import HandoffPriority, RiskKind

RISK_INTENT = "risk"
FALLBACK_INTENT = "nlu_fallback"
# Where nlu.risk_spotter puts its verdict in a message's parse data.
RISK_PROPERTY = "risk"
MODEL_THRESHOLD = 0.45
SELECTOR_THRESHOLD = 0.3
SELECTOR_SUPPORT = 0.1  # the classifier's least confidence in risk for the selector alone
# The classifier's likeliest intent is risk, but by a hair ("ik denk het niet" 0.26):
# below this it is no signal on its own.
LIKELIEST_THRESHOLD = 0.4
NEGATED_MODEL_THRESHOLD = 0.9
MIN_WORDS_FOR_MODEL = 3
ACUTE_THRESHOLD = 0.25
# An ordinary answer this likely, ranked first by the selector, overrules the model.
SELECTOR_VETO = 0.4
# The least the selector gives all risk answers together for the model to count.
RISK_MASS = 0.25
# Some doubt toward out_of_scope in the classifier, and no clear kind in the selector.
OUT_OF_SCOPE_INTENT = "out_of_scope"
OUT_OF_SCOPE_DOUBT = 0.05
KIND_CLEAR = 0.2

# Kinds that only the pattern of check-ins gives, never the words of one message.
CHECKIN_KINDS = frozenset({RiskKind.LOW_MOTIVATION, RiskKind.GOAL_STUCK})
# Most serious first (RiskKind's order): the leading kind of a message with several.
SEVERITY = tuple(kind for kind in RiskKind if kind not in CHECKIN_KINDS)
MESSAGE_KINDS = frozenset(SEVERITY)
URGENT_KINDS = frozenset({RiskKind.ACUTE, RiskKind.UNSAFE_HOME})


@dataclass(frozen=True)
class RiskVerdict:
    kind: RiskKind  # the leading kind
    kinds: tuple[RiskKind, ...]  # every kind found, most serious first
    source: str  # "words", "model" or "words+model"
    evidence: str  # the words that matched, or the model's confidence
    model_confidence: float = 0.0  # what the trained model gave the risk intent

    @property
    def acute(self) -> bool:
        return self.kind is RiskKind.ACUTE

    @property
    def priority(self) -> HandoffPriority:
        return HandoffPriority.URGENT if self.kind in URGENT_KINDS else HandoffPriority.NORMAL

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "kinds": [kind.value for kind in self.kinds],
            "source": self.source,
            "evidence": self.evidence,
            "model_confidence": round(self.model_confidence, 3),
        }

    @classmethod
    def from_dict(cls, data: object) -> RiskVerdict | None:
        """Read back from the NLU output; None for anything malformed."""
        if not isinstance(data, dict):
            return None
        try:
            kinds = tuple(RiskKind(kind) for kind in data.get("kinds") or [data["kind"]])
            kind = RiskKind(data["kind"])
        except (KeyError, ValueError, TypeError):
            return None
        if kind not in MESSAGE_KINDS or not set(kinds) <= MESSAGE_KINDS:
            return None
        try:
            model_confidence = float(data.get("model_confidence") or 0.0)
        except (TypeError, ValueError):
            return None
        return cls(
            kind,
            kinds,
            str(data.get("source", "")),
            str(data.get("evidence", ""))[:200],
            model_confidence,
        )


# A typed or clicked "/risk" has no verdict and may have no words: it still reaches a
# person, as distress.
UNSPECIFIED = RiskVerdict(RiskKind.DISTRESS, (RiskKind.DISTRESS,), "intent", "no words")


def _ordered(kinds: set[RiskKind]) -> tuple[RiskKind, ...]:
    return tuple(kind for kind in SEVERITY if kind in kinds)


def _confidence_of(intent_ranking: Sequence[Ranked], name: str) -> float:
    return max((r.confidence for r in intent_ranking if r.name == name), default=0.0)


def model_kind(answer_ranking: Sequence[Ranked]) -> RiskKind:
    """The kind the response selector ranks first among the risk answers ("risk/...");
    distress when it ranks none of them (its ranking is cut off after ten answers)."""
    risk = [r for r in answer_ranking if r.name.startswith(f"{RISK_INTENT}/")]
    if not risk:
        return RiskKind.DISTRESS
    by_kind = {r.name.split("/", 1)[1]: r.confidence for r in risk}
    if by_kind.get(RiskKind.ACUTE.value, 0.0) >= ACUTE_THRESHOLD:
        return RiskKind.ACUTE
    best = max(risk, key=lambda r: r.confidence).name.split("/", 1)[1]
    try:
        kind = RiskKind(best)
    except ValueError:
        return RiskKind.DISTRESS
    return kind if kind in MESSAGE_KINDS else RiskKind.DISTRESS


def decide(
    signals: Sequence[Signal],
    intent_ranking: Sequence[Ranked] = (),
    answer_ranking: Sequence[Ranked] = (),
    *,
    english: bool = False,
    words: int = MIN_WORDS_FOR_MODEL,
) -> RiskVerdict | None:
    """The verdict on one message, or None when it signals no risk."""
    matched = [s for s in signals if not s.negated]
    negated = {s.kind for s in signals if s.negated} - {s.kind for s in matched}
    risk_confidence = _confidence_of(intent_ranking, RISK_INTENT)
    from_model = model_kind(answer_ranking)
    top = max(answer_ranking, key=lambda r: r.confidence, default=None)
    selector_says_risk = top is not None and top.name.startswith(f"{RISK_INTENT}/")
    if words < MIN_WORDS_FOR_MODEL:
        model_says = False
    elif negated:
        model_says = risk_confidence >= NEGATED_MODEL_THRESHOLD
    else:
        selector_sure = selector_says_risk and top.confidence >= SELECTOR_THRESHOLD
        likeliest = next((r.name for r in intent_ranking if r.name != FALLBACK_INTENT), None)
        likeliest_is_risk = likeliest == RISK_INTENT and risk_confidence >= LIKELIEST_THRESHOLD
        model_says = (likeliest_is_risk and (selector_sure or not english)) or (
            selector_says_risk
            and (
                (risk_confidence >= MODEL_THRESHOLD and (selector_sure or not english))
                or (selector_sure and risk_confidence >= SELECTOR_SUPPORT)
            )
        )
    if (
        model_says
        and from_model is not RiskKind.ACUTE
        and top is not None
        and not selector_says_risk
        and top.confidence >= SELECTOR_VETO
    ):
        model_says = False
    risk_answers = [r.confidence for r in answer_ranking if r.name.startswith(f"{RISK_INTENT}/")]
    if model_says and sum(risk_answers) < RISK_MASS:
        model_says = False
    if (
        model_says
        and _confidence_of(intent_ranking, OUT_OF_SCOPE_INTENT) >= OUT_OF_SCOPE_DOUBT
        and max(risk_answers, default=0.0) < KIND_CLEAR
    ):
        model_says = False
    if not matched and not model_says:
        return None
    kinds = {s.kind for s in matched}
    if model_says:
        kinds.add(from_model)
    ordered = _ordered(kinds)
    source = "words+model" if matched and model_says else ("words" if matched else "model")
    evidence = (
        "; ".join(dict.fromkeys(s.words for s in matched))
        if matched
        else f"model {risk_confidence:.2f}"
    )
    return RiskVerdict(ordered[0], ordered, source, evidence[:200], risk_confidence)


def holds_in_a_form(verdict: RiskVerdict, answer_ranking: Sequence[Ranked]) -> bool:
    """An answer in a form ("Als ik thuis kom, dan plan ik eerst huiswerk") is unlike the
    messages the model learned from: there the model alone counts only when both its
    parts are sure. Words of risk always count."""
    if verdict.source != "model":
        return True
    top = max(answer_ranking, key=lambda r: r.confidence, default=None)
    return (
        verdict.model_confidence >= MODEL_THRESHOLD
        and top is not None
        and top.name.startswith(f"{RISK_INTENT}/")
        and top.confidence >= SELECTOR_THRESHOLD
    )


def verdict_for_text(
    text: str | None,
    intent_ranking: Sequence[Ranked] = (),
    answer_ranking: Sequence[Ranked] = (),
) -> RiskVerdict | None:
    english = classify_input(text) is InputKind.ENGLISH
    return decide(
        find_signals(text),
        intent_ranking,
        answer_ranking,
        english=english,
        words=len(words_of(text or "")),
    )
