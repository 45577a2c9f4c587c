"""Every Dutch text the bot can say is short-sentenced and easy to read (B1)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from bot.campaigns.calendar import route_calendar
from bot.content.catalog import catalog, flow
from bot.readability import B1_MAX_WORDS_PER_SENTENCE as MAX_WORDS_PER_SENTENCE
from bot.readability import B1_MIN_FLESCH_DOUMA as MIN_FLESCH_DOUMA
from bot.readability import measure, sentences_of, syllables_in

ROOT = Path(__file__).resolve().parents[2]
# Message entries that are labels (buttons, list items, tabs, page titles), not
# sentences of their own: each group is read as one list, the way a person sees them.
LABEL_LISTS = {
    "stored_data_labels",
    "risk_kind_labels",
    "buttons",
    "inbox filters",
    "inbox reasons",
    "inbox statuses",
    "inbox priorities",
    "inbox levels",
    "inbox titles",
    "inbox about",
    "inbox age",
    "inbox summary",
    "inbox campaign_stages",
    "inbox campaign_statuses",
    "campaigns stored",
    "review topics",
    "review intents",
    "review reasons",
}
NAMES = {"personal_goals_block", "inbox other", "handoff live_reply"}
# One line of a list ("- taalvaardigheid: 1 van 3"), read as part of the whole list.
LIST_LINES = {"progress block"}
# Sample values for placeholders, long-ish on purpose.
PLACEHOLDERS = {
    "first_name": "Sanne",
    "name": "Sanne",
    "phase": "vmbo jaar 4",
    "next_phase": "mbo jaar 1",
    "value": "Twents Carmel College",
    "sources": "- Website en folder 'Toptraject in vogelvlucht'",
    "coordinator": "Esther Nijhuis",
    "school": "ROC van Twente",
    "reference": "H-7K4Q2M",
    "deadline": "dinsdag 24 november om 10:00",
    "title": "Ik houd vier weken lang een weekplanning bij.",
    "date": "12 december",
    "done": "3",
    "total": "12",
    "weeks": "4",
    "block": "taalvaardigheid",
}


def fill(text: str) -> str:
    for key, value in PLACEHOLDERS.items():
        text = text.replace("{" + key + "}", value)
    return text


def all_texts() -> list[tuple[str, str]]:
    texts = template_texts()
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for index, variant in enumerate(variants):
            texts.append((f"domain {name}[{index}]", variant["text"]))
    content = catalog()
    for answer in content.answers.values():
        texts.append((answer.id, content.render(answer.id).text))
        for entity, by_value in answer.variants.items():
            for value in by_value:
                rendered = content.render(answer.id, {entity: value})
                texts.append((f"{answer.id} {entity}={value}", rendered.text))
    for topic, situations in content.personal.items():
        for situation, paragraphs in situations.items():
            texts.append((f"{topic} personal {situation} student", paragraphs.student))
            texts.append((f"{topic} personal {situation} guardian", paragraphs.guardian))
    texts += message_texts(content.messages)
    for entry in route_calendar().values():
        texts += [
            (f"calendar {entry.key} {who.value}", text) for who, text in entry.messages.items()
        ]
    return [(where, fill(text)) for where, text in texts]


def message_texts(entry, path: str = "") -> list[tuple[str, str]]:
    """The texts of messages.yml; a label group as one list, names left out."""
    where = path.strip()
    if where in NAMES or where in LIST_LINES:
        return []
    if where in LABEL_LISTS:
        return [(f"message {where}", "\n".join(f"- {label}: 3" for label in entry.values()))]
    if isinstance(entry, dict):
        return [
            found for key, value in entry.items() for found in message_texts(value, f"{path} {key}")
        ]
    return [(f"message {where}", flow(entry))]


class _PageText(HTMLParser):
    """The text a person reads on a page, one piece per block (a paragraph, heading,
    button, label, cell); inline markup (strong, code, a) stays inside its sentence.
    Not scripts or styles, nor the template's own {{ ... }} and {% ... %}."""

    SKIPPED = frozenset({"script", "style"})
    INLINE = frozenset({"strong", "em", "code", "span", "a", "b", "i", "abbr"})

    def __init__(self) -> None:
        super().__init__()
        self.skipping = 0
        self.buffer: list[str] = []
        self.texts: list[str] = []

    def _flush(self) -> None:
        plain = " ".join(re.sub(r"{[{%#].*?[}%#]}", " ", " ".join(self.buffer)).split())
        self.buffer = []
        if re.search(r"[a-z]", plain):
            self.texts.append(plain)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in self.INLINE:
            self._flush()
        self.skipping += tag in self.SKIPPED

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
            self.buffer = []
        elif tag not in self.INLINE:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.buffer.append(data)


def _page_texts() -> list[tuple[str, list[str]]]:
    pages = []
    for path in sorted((ROOT / "web" / "templates").glob("*.html")):
        page = _PageText()
        page.feed(path.read_text(encoding="utf-8"))
        page.close()
        pages.append((path.name, page.texts))
    return pages


def _is_sentence(text: str) -> bool:
    return text.endswith((".", "?", "!"))


def template_texts() -> list[tuple[str, str]]:
    """Each page's sentences; its labels (headings, buttons, fields) are checked apart."""
    return [
        (f"page {name}: {text[:30]}", text)
        for name, texts in _page_texts()
        for text in texts
        if _is_sentence(text)
    ]


def test_page_labels_are_short():
    """A heading, button or field label: a few words (one long word reads fine there,
    so Flesch-Douma, made for sentences, does not judge it)."""
    labels = [
        (name, text) for name, texts in _page_texts() for text in texts if not _is_sentence(text)
    ]
    assert len(labels) > 30
    assert [(name, text) for name, text in labels if len(text.split()) > 8] == []


def test_the_pages_are_read_too():
    found = template_texts()
    assert any(text.startswith("Vragen over de route van vmbo") for _, text in found)
    assert not any("url(" in text or "{{" in text for _, text in found)


@pytest.mark.parametrize(("where", "text"), all_texts(), ids=[where for where, _ in all_texts()])
def test_text_is_easy_to_read(where, text):
    result = measure(text)
    assert result.words_per_sentence <= MAX_WORDS_PER_SENTENCE, (where, result)
    assert result.flesch_douma >= MIN_FLESCH_DOUMA, (where, result)


def test_the_check_catches_a_hard_text():
    hard = (
        "Overeenkomstig de toepasselijke bepalingen inzake de studiefinancieringsregelgeving "
        "dient de aanvrager gedurende de volledige inschrijvingsperiode onverwijld "
        "wijzigingen betreffende de onderwijsvorm te rapporteren aan de uitvoeringsorganisatie."
    )
    result = measure(hard)
    assert result.words_per_sentence > MAX_WORDS_PER_SENTENCE
    assert result.flesch_douma < MIN_FLESCH_DOUMA


@pytest.mark.parametrize(
    ("word", "syllables"),
    [("hoi", 1), ("examen", 3), ("rijden", 2), ("ideeën", 3), ("coördinator", 5), ("2014", 4)],
)
def test_dutch_syllables_are_counted_by_vowel_groups(word, syllables):
    assert syllables_in(word) == syllables


def test_list_items_and_lines_are_sentences():
    assert sentences_of("Kies:\n- een bus\n- de trein. Klaar!") == [
        "Kies:",
        "een bus",
        "de trein.",
        "Klaar!",
    ]
