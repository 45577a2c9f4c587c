"""Reads the answers of a check-in from free text: status, motivation, plan, stop.

Pure functions: each takes what the student typed (or a button sent) and returns the
value, or None when it cannot be read, so the form can ask again kindly.
"""

from __future__ import annotations

import re
import unicodedata

from bot.vocabulary import CheckInStatus

ACHIEVED = CheckInStatus.ACHIEVED.value
MAX_NOTE_CHARS = 1000
MIN_PLAN_CHARS = 12

_STATUS_WORDS: tuple[tuple[CheckInStatus, tuple[str, ...]], ...] = (
    # "niet gehaald" and "lukt niet" must be tested before "gehaald" and "lukt".
    (
        CheckInStatus.NOT_WORKING,
        (
            "lukt niet",
            "lukte niet",
            "niet gelukt",
            "niet gehaald",
            "gaat niet",
            "mislukt",
            "gefaald",
            "helaas niet",
        ),
    ),
    (
        CheckInStatus.IN_PROGRESS,
        ("bezig", "nog niet", "bijna", "half", "onderweg", "gaat goed", "deels"),
    ),
    (
        CheckInStatus.ACHIEVED,
        ("gehaald", "gelukt", "klaar", "af", "gedaan", "yes", "done", "voltooid"),
    ),
)

_NUMBER_WORDS = {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5}

_STOP_PHRASES = frozenset(
    {
        "laat maar",
        "laat maar zitten",
        "stop",
        "stoppen",
        "ik wil stoppen",
        "annuleer",
        "annuleren",
        "cancel",
        "hou op",
        "toch niet",
        "nu niet",
        "een andere keer",
        "later",
        "ik wil niet meer inchecken",
        "stop maar",
        "niet nu",
    }
)


def normalise(text: str) -> str:
    """Lower case, accents and punctuation off, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def is_stop_request(text: str) -> bool:
    """True for a short "laat maar": the student wants to stop this conversation now.

    Only whole short messages count, so a note like "ik wil stoppen met school" is kept
    as a note (and read for risk signals) instead of ending the form.
    """
    return normalise(text) in _STOP_PHRASES


def read_status(text: str) -> CheckInStatus | None:
    words = f" {normalise(text)} "
    for status, phrases in _STATUS_WORDS:
        if any(f" {phrase} " in words for phrase in phrases):
            return status
    return None


def read_motivation(text: str) -> int | None:
    """1 to 5 from "4", "vier", "4/5" or "een 3"; None for anything else, like "tien"."""
    words = normalise(text).split()
    # Digits win over number words: in "een 3" the "een" is an article.
    numbers = [int(word) for word in words if word.isdigit()] or [
        _NUMBER_WORDS[word] for word in words if word in _NUMBER_WORDS
    ]
    if "5" in words and len(numbers) > 1:  # "4/5", "4 van de 5": the scale, not a score
        numbers.remove(5)
    if len(numbers) != 1:
        return None
    return numbers[0] if 1 <= numbers[0] <= 5 else None


def has_words(text: str) -> bool:
    """At least one letter or digit: not empty, not only emoji or punctuation."""
    return bool(normalise(text))


def read_note(text: str) -> str | None:
    if not has_words(text) or len(text) > MAX_NOTE_CHARS:
        return None
    return text.strip()


def read_if_then_plan(text: str) -> str | None:
    """An if-then plan needs a situation and an action: "Als ..., dan ga ik ..."."""
    words = normalise(text).split()
    if len(text.strip()) < MIN_PLAN_CHARS or len(text) > MAX_NOTE_CHARS:
        return None
    if ("als" in words or "wanneer" in words or "zodra" in words) and "dan" in words:
        return text.strip()
    return None


def choose_goal(text: str, goals: list[tuple[int, str]], *, numbers: bool = True) -> int | None:
    """The goal the student means: a button's title (with or without the number it was
    shown with), its number in the list (only when `numbers`: the list the student
    saw), or a part of one title that fits no other. None when it is unclear."""
    said = normalise(text)
    if not said:
        return None
    titles = [(goal_id, normalise(title)) for goal_id, title in goals]
    exact = [goal_id for goal_id, title in titles if title == said]
    if exact:
        return exact[0]
    numbered = re.fullmatch(r"(\d+)\s*[.)]?\s*(.*)", said)
    if numbers and numbered and numbered.group(2):
        # "2. Ik loop een dag mee ...": the title of button 2, as the widget shows it.
        index = int(numbered.group(1)) - 1
        if 0 <= index < len(goals) and titles[index][1] == numbered.group(2):
            return goals[index][0]
    if numbers and said.isdigit() and 1 <= int(said) <= len(goals):
        return goals[int(said) - 1][0]
    if len(said) >= 4:
        partial = [goal_id for goal_id, title in titles if said in title]
        if len(partial) == 1:
            return partial[0]
    return None


MAX_GOAL_TITLE_CHARS = 200
# Openings of "add a goal" messages that are not part of the goal itself.
_GOAL_LEADS = (
    r"(?:ik wil graag|ik wil|ik ga|ik moet|mijn (?:nieuwe |eigen )?doel is(?: om)?|"
    r"mijn (?:nieuwe |eigen )?doel|(?:een )?(?:nieuw|eigen) doel(?: toevoegen| maken)?:?|"
    r"doel:|zet erbij dat ik|zet erin dat ik|voeg toe:?|voeg een doel toe:?)\s*"
)
# Words that say "I want to add a goal" but are not a goal.
_NOT_A_GOAL = frozenset(
    {
        "",
        "doel",
        "een doel",
        "nieuw doel",
        "eigen doel",
        "toevoegen",
        "een doel toevoegen",
        "een nieuw doel toevoegen",
        "een eigen doel toevoegen",
        "een eigen doel maken",
        "een nieuw doel maken",
        "een doel maken",
        "doel toevoegen",
        "nieuw doel toevoegen",
        "eigen doel maken",
        "een doel zetten",
        "een doel erbij",
        "doel erbij",
    }
)


def goal_title_from(text: str) -> str | None:
    """The goal itself from "ik wil mijn rekentoets halen": "Mijn rekentoets halen"."""
    cleaned = " ".join(text.split()).strip(" .,!?:;-")
    while True:
        shorter = re.sub(rf"^{_GOAL_LEADS}", "", cleaned, flags=re.IGNORECASE).strip(" .,!?:;-")
        if shorter == cleaned:
            break
        cleaned = shorter
    if normalise(cleaned) in _NOT_A_GOAL or len(normalise(cleaned)) < 4:
        return None
    if len(cleaned) > MAX_GOAL_TITLE_CHARS:
        return None
    return cleaned[0].upper() + cleaned[1:]
