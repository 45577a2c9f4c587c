"""Recognises messages the language model should not guess about.

A pure function, used twice: by the NLU input guard (to route such messages to the
fallback) and by the fallback action (to choose a fitting Dutch answer).
"""

from __future__ import annotations

import enum
import html
import json
import re
import unicodedata

MAX_MESSAGE_CHARS = 1000

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Common English words that are not also common Dutch words or chat words.
_ENGLISH_WORDS = frozenset(
    """
    the is are was were what when where why how who which this that these those
    you your my i i'm im it's can could would should will do does did don't
    please thanks thank help want need know about with from have has get
    school study studies travel exam exams card student parent bus cost costs
    there their they them our we he she his her of and for to a an in on at
    """.split()
)
_DUTCH_WORDS = frozenset(
    """
    de het een en is ik je jij wat wie waar wanneer hoe waarom kan ik mijn
    niet wel ook maar naar van voor met op aan bij dat dit die er zijn
    heb hebt heeft wil moet mag graag hoi hallo doei dank bedankt ja nee
    school examen reizen kosten ouder leerling student
    """.split()
)


class InputKind(str, enum.Enum):
    OK = "ok"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NO_WORDS = "no_words"
    MARKUP = "markup"
    ENGLISH = "english"


def _is_symbol_or_emoji(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in {"S", "P", "Z", "C", "M"}


# A conversation id as a channel may take it: the widget's are 32 hex digits.
MAX_CONVERSATION_ID_CHARS = 128


def at_the_edge(text: object, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """A message as the channel hands it on, before any work is done on it: text only,
    encodable, and cut one character past the limit, so the input guard still sees that
    it was too long while the language pipeline reads no more than that."""
    if not isinstance(text, str):
        return ""
    return text[: max_chars + 1].encode("utf-8", "ignore").decode("utf-8")


# "/intent{...}" messages skip the language model in Rasa. Only what a button of this
# assistant sends may arrive that way, with only the entity its button carries; the
# rest (/distress, /request_human{"priority": "urgent"}, /inform{"student_id": 7})
# is read as the plain words it is.
BUTTON_INTENTS: dict[str, frozenset[str]] = {
    "greet": frozenset(),  # the widget's first message
    "affirm": frozenset(),
    "deny": frozenset(),
    "request_human": frozenset(),
    "checkin": frozenset(),
    "ask_my_route": frozenset(),
    "ask_progress": frozenset(),
    "restart": frozenset(),
    "choose_answer": frozenset({"answer_id"}),
    "choose_child": frozenset({"child_name"}),
    # Under a campaign message (actions/campaigns.py).
    "campaign_task_done": frozenset(),
    "campaign_task_not_yet": frozenset(),
}
_COMMAND = re.compile(r"/(?P<intent>[A-Za-z_]+)(?P<entities>\{.*\})?", re.DOTALL)


def only_button_commands(text: str) -> str:
    """The message with a typed "/intent{...}" kept only when a button could have sent it."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    found = _COMMAND.fullmatch(stripped)
    allowed = BUTTON_INTENTS.get(found.group("intent")) if found else None
    if allowed is None:
        words = re.sub(r"\{.*\}", " ", stripped, flags=re.DOTALL).replace("_", " ")
        return " ".join(words.replace("/", " ").split())
    intent, raw = found.group("intent"), found.group("entities")
    try:
        entities = json.loads(raw) if raw else {}
    except ValueError:
        entities = {}
    kept = (
        {key: value for key, value in entities.items() if key in allowed and isinstance(value, str)}
        if isinstance(entities, dict)
        else {}
    )
    return f"/{intent}{json.dumps(kept, ensure_ascii=False)}" if kept else f"/{intent}"


def valid_conversation_id(value: object) -> bool:
    """A sender or session id that can be stored and sent back: a short, encodable text
    without control characters. A lone surrogate ("\\ud800x") once stopped Rasa."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_CONVERSATION_ID_CHARS:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(unicodedata.category(char) in {"Cc", "Cf", "Cs"} for char in value)


def words_of(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def looks_english(words: list[str]) -> bool:
    """True for three or more words that are mostly English and hardly Dutch."""
    if len(words) < 3:
        return False
    english = sum(word in _ENGLISH_WORDS for word in words)
    dutch = sum(word in _DUTCH_WORDS and word not in _ENGLISH_WORDS for word in words)
    return english / len(words) >= 0.5 and dutch == 0


def classify_input(text: str | None, max_chars: int = MAX_MESSAGE_CHARS) -> InputKind:
    """What kind of message this is, before any intent is considered."""
    if text is None or not text.strip():
        return InputKind.EMPTY
    if len(text) > max_chars:
        return InputKind.TOO_LONG
    unescaped = html.unescape(text)
    if _TAG.search(unescaped):
        return InputKind.MARKUP
    # Digits alone stay OK: "4" is a fine answer to "hoe gemotiveerd ben je?".
    if all(_is_symbol_or_emoji(char) for char in unescaped):
        return InputKind.NO_WORDS
    if looks_english(words_of(unescaped)):
        return InputKind.ENGLISH
    return InputKind.OK
