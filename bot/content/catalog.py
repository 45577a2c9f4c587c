"""Route, travel and exam answers kept as data, each with the sources it rests on.

The YAML files next to this module are the single place for answer texts. This module
loads them, checks them, picks the variant that fits a recognised entity and says where
an answer comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).resolve().parent
TOPIC_FILES = ("route.yml", "travel.yml", "exams.yml")
MESSAGES_FILE = "messages.yml"
WILDCARD = "*"


class ContentError(ValueError):
    """The content files are inconsistent (a missing source, field or text)."""


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Text:
    """One answer text with the sources it rests on."""

    text: str
    sources: tuple[str, ...]
    inference: bool = False


@dataclass(frozen=True)
class Answer:
    id: str  # "<topic>/<key>", the same as the retrieval intent
    title: str  # short label for a button
    default: Text
    personal: str | None = None  # topic whose `personal` paragraphs apply
    # entity name -> entity value (or WILDCARD) -> text; the first entity that fits wins
    variants: Mapping[str, Mapping[str, Text]] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        return self.id.split("/", 1)[0]


@dataclass(frozen=True)
class AnswerRef:
    """What was answered: the answer id and, if a variant was used, its entity value."""

    answer_id: str
    entity: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        if self.entity is None:
            return self.answer_id
        return f"{self.answer_id}?{self.entity}={self.value}"


@dataclass(frozen=True)
class Rendered:
    ref: AnswerRef
    text: str
    sources: tuple[str, ...]
    inference: bool


@dataclass(frozen=True)
class PersonalParagraphs:
    student: str
    guardian: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    answers: Mapping[str, Answer]
    sources: Mapping[str, Source]
    # topic -> situation -> paragraphs for a linked student or guardian
    personal: Mapping[str, Mapping[str, PersonalParagraphs]]
    # fixed sentences for personal answers: key -> text, or key -> audience -> text
    messages: Mapping[str, Any] = field(default_factory=dict)

    def message(self, *path: str, **values: object) -> str:
        """A fixed sentence from messages.yml by its path, e.g. ("progress", "total",
        "student"). The walk stops at the first text, so an audience given for a
        sentence that has only one version is ignored."""
        entry: Any = self.messages
        for key in path:
            if not isinstance(entry, Mapping):
                break
            entry = entry[key]
        return flow(entry).format(**values)

    def render(self, answer_id: str, entities: Mapping[str, str] | None = None) -> Rendered:
        """The answer text, using the variant for the first recognised entity that has one."""
        answer = self.answers[answer_id]
        for entity, by_value in answer.variants.items():
            value = (entities or {}).get(entity)
            if value is None:
                continue
            if value in by_value:
                return self._rendered(AnswerRef(answer_id, entity, value), by_value[value])
            if WILDCARD in by_value:
                return self._rendered(AnswerRef(answer_id, entity, value), by_value[WILDCARD])
        return self._rendered(AnswerRef(answer_id), answer.default)

    def personal_paragraphs(self, topic: str, situation: str) -> PersonalParagraphs:
        return self.personal[topic][situation]

    def source_titles(self, source_ids: Iterable[str]) -> list[str]:
        """Readable titles of the known sources among `source_ids`; unknown ids are skipped."""
        lines = []
        for source_id in source_ids:
            source = self.sources.get(source_id)
            if source is None:
                continue
            lines.append(f"{source.title} ({source.url})" if source.url else source.title)
        return lines

    def _rendered(self, ref: AnswerRef, text: Text) -> Rendered:
        body = flow(text.text)
        if ref.value is not None:
            body = body.replace("{value}", ref.value)
        if text.inference:
            body = f"{body}\n{self.message('inference_note')}"
        return Rendered(ref=ref, text=body, sources=text.sources, inference=text.inference)


def flow(text: str) -> str:
    """Joins the one-sentence-per-line YAML layout into paragraphs; list items stay lines."""
    lines: list[str] = []
    for line in (raw.strip() for raw in text.strip().splitlines()):
        if not line:
            continue
        if (
            lines
            and not line.startswith("- ")
            and not lines[-1].startswith("- ")
            and not lines[-1].endswith(":")
        ):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return "\n".join(lines)


def _text(raw: Mapping[str, Any], where: str, source_ids: set[str]) -> Text:
    text = raw.get("text")
    sources = tuple(raw.get("sources") or ())
    if not isinstance(text, str) or not text.strip():
        raise ContentError(f"{where}: an answer needs a non-empty text")
    if not sources:
        raise ContentError(f"{where}: every answer needs at least one source")
    unknown = [source for source in sources if source not in source_ids]
    if unknown:
        raise ContentError(f"{where}: unknown sources {unknown}")
    return Text(text=text, sources=sources, inference=bool(raw.get("inference", False)))


def _load_topic(path: Path, source_ids: set[str]) -> tuple[list[Answer], dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    topic = data["topic"]
    answers = []
    for key, raw in data["answers"].items():
        answer_id = f"{topic}/{key}"
        if not raw.get("title"):
            raise ContentError(f"{answer_id}: an answer needs a title for buttons")
        variants = {
            entity: {
                value: _text(variant, f"{answer_id} ({entity}={value})", source_ids)
                for value, variant in by_value.items()
            }
            for entity, by_value in (raw.get("variants") or {}).items()
        }
        answers.append(
            Answer(
                id=answer_id,
                title=raw["title"],
                default=_text(raw, answer_id, source_ids),
                personal=raw.get("personal"),
                variants=variants,
            )
        )
    return answers, {topic: data.get("personal") or {}}


def _personal(raw: Mapping[str, Any], where: str, source_ids: set[str]) -> PersonalParagraphs:
    for role in ("student", "guardian"):
        if not str(raw.get(role) or "").strip():
            raise ContentError(f"{where}: a personal paragraph needs a '{role}' text")
    sources = tuple(raw.get("sources") or ())
    if not sources or any(source not in source_ids for source in sources):
        raise ContentError(f"{where}: personal paragraphs need known sources")
    return PersonalParagraphs(
        student=flow(raw["student"]), guardian=flow(raw["guardian"]), sources=sources
    )


def load_catalog(directory: Path = CONTENT_DIR) -> Catalog:
    raw_sources = yaml.safe_load((directory / "sources.yml").read_text(encoding="utf-8"))
    sources = {
        source_id: Source(id=source_id, title=raw["title"], url=raw.get("url"))
        for source_id, raw in raw_sources.items()
    }
    answers: dict[str, Answer] = {}
    personal: dict[str, dict[str, PersonalParagraphs]] = {}
    for name in TOPIC_FILES:
        topic_answers, topic_personal = _load_topic(directory / name, set(sources))
        answers.update({answer.id: answer for answer in topic_answers})
        for topic, situations in topic_personal.items():
            personal[topic] = {
                situation: _personal(raw, f"{topic} personal {situation}", set(sources))
                for situation, raw in situations.items()
            }
    for answer in answers.values():
        if answer.personal is not None and not personal.get(answer.personal):
            raise ContentError(f"{answer.id}: no personal paragraphs for '{answer.personal}'")
    messages = yaml.safe_load((directory / MESSAGES_FILE).read_text(encoding="utf-8"))
    return Catalog(answers=answers, sources=sources, personal=personal, messages=messages)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The catalog from the content files in this package, loaded once per process."""
    return load_catalog()


def text(*path: str, **values: object) -> str:
    """A sentence from messages.yml by its path, e.g. text("progress", "total", "student")."""
    return catalog().message(*path, **values)


def button(key: str, payload: str) -> dict[str, str]:
    """A quick-reply button: its title from messages.yml (buttons), its payload as given."""
    return {"title": text("buttons", key), "payload": payload}
