"""Personal answers for a linked conversation: route position, travel and exams.

Pure functions over facts the identity gate (bot.identity.access) already allowed and
over the content catalog; they never read the database themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.content.catalog import Catalog
from bot.identity.access import ADULT_AGE, Access, StudentFacts, Subject
from bot.vocabulary import PersonRole, ProgrammeType, SchoolLevel

ROUTE_PHASES_ANSWER = "route/phases"


@dataclass(frozen=True)
class PersonalText:
    text: str
    sources: tuple[str, ...]


def travel_situation(facts: StudentFacts) -> str:
    """Which travel rules apply: a vmbo pupil has no DUO product, even on mbo days."""
    if facts.level is SchoolLevel.VMBO:
        return "vmbo_pupil"
    if facts.level is SchoolLevel.HBO:
        return "hbo_student"
    if facts.programme_type is ProgrammeType.BBL:
        return "mbo_bbl"
    if facts.programme_type is ProgrammeType.BOL:
        return "mbo_bol_minor" if facts.age < ADULT_AGE else "mbo_bol_adult"
    return "mbo_unknown"


def exam_situation(facts: StudentFacts) -> str:
    if facts.level is SchoolLevel.VMBO:
        return "vmbo_exam_year" if facts.last_phase_of_level else "vmbo_year3"
    return "mbo" if facts.level is SchoolLevel.MBO else "hbo"


SITUATION_BY_TOPIC: dict[str, Callable[[StudentFacts], str]] = {
    "travel": travel_situation,
    "exam": exam_situation,
}


def _audience(access: Access) -> str:
    return "guardian" if access.role is PersonRole.GUARDIAN else "student"


def _unique(sources: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(sources))


def _per_subject(
    catalog: Catalog,
    access: Access,
    describe: Callable[[Subject, StudentFacts, str], PersonalText],
) -> PersonalText:
    if not access.subjects:
        return PersonalText(catalog.message("no_children"), ())
    parts: list[PersonalText] = []
    for subject in access.subjects:
        if subject.facts is None:
            refusal = subject.refusal.value if subject.refusal else "not_shared_by_school"
            parts.append(
                PersonalText(catalog.message("refusal", refusal, name=subject.first_name), ())
            )
        else:
            parts.append(describe(subject, subject.facts, _audience(access)))
    return PersonalText(
        "\n\n".join(part.text for part in parts),
        _unique(source for part in parts for source in part.sources),
    )


def topic_addition(catalog: Catalog, topic: str, access: Access) -> PersonalText | None:
    """The paragraph for the linked student's own situation, or None when anonymous."""
    if access.anonymous:
        return None
    situation_of = SITUATION_BY_TOPIC[topic]

    def describe(subject: Subject, facts: StudentFacts, audience: str) -> PersonalText:
        paragraphs = catalog.personal_paragraphs(topic, situation_of(facts))
        text = getattr(paragraphs, audience).format(name=subject.first_name)
        return PersonalText(text, ("school_records", *paragraphs.sources))

    return _per_subject(catalog, access, describe)


def route_position(catalog: Catalog, access: Access) -> PersonalText:
    """Where the student is in the route, what comes next and what happens there."""
    if access.anonymous:
        general = catalog.render(ROUTE_PHASES_ANSWER)
        return PersonalText(
            f"{catalog.message('anonymous_personal')}\n{general.text}", general.sources
        )

    def describe(subject: Subject, facts: StudentFacts, audience: str) -> PersonalText:
        name = subject.first_name
        sentences = [catalog.message("route_position", audience, name=name, phase=facts.phase_name)]
        if facts.next_phase_code is None:
            sentences.append(catalog.message("route_last", audience, name=name))
            about = catalog.render(ROUTE_PHASES_ANSWER, {"phase": facts.phase_code})
        else:
            sentences.append(
                catalog.message("route_next", audience, name=name, next_phase=facts.next_phase_name)
            )
            about = catalog.render(ROUTE_PHASES_ANSWER, {"phase": facts.next_phase_code})
        sentences.append(about.text)
        return PersonalText(" ".join(sentences), ("school_records", *about.sources))

    return _per_subject(catalog, access, describe)
