"""Personal answers as pure functions: situations, paragraphs and refusals."""

from dataclasses import replace

import pytest

from bot.content.catalog import catalog
from bot.identity.access import Access, Refusal, StudentFacts, Subject
from bot.personal import exam_situation, route_position, topic_addition, travel_situation
from bot.vocabulary import PersonRole, ProgrammeType, SchoolLevel

VMBO4 = StudentFacts(
    student_id=1,
    first_name="Sanne",
    school_id=2,
    region_id=1,
    phase_code="vmbo4",
    phase_name="vmbo jaar 4",
    level=SchoolLevel.VMBO,
    programme_type=None,
    age=16,
    next_phase_code="mbo1",
    next_phase_name="mbo jaar 1",
    last_phase_of_level=True,
)
MBO1 = replace(
    VMBO4,
    student_id=2,
    first_name="Lotte",
    phase_code="mbo1",
    phase_name="mbo jaar 1",
    level=SchoolLevel.MBO,
    programme_type=ProgrammeType.BOL,
    next_phase_code="mbo2",
    next_phase_name="mbo jaar 2",
    last_phase_of_level=False,
)
HBO1 = replace(
    VMBO4,
    student_id=3,
    first_name="Noor",
    phase_code="hbo1",
    phase_name="hbo jaar 1",
    level=SchoolLevel.HBO,
    age=20,
    next_phase_code=None,
    next_phase_name=None,
)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (VMBO4, "vmbo_pupil"),
        (replace(VMBO4, phase_code="vmbo3", last_phase_of_level=False), "vmbo_pupil"),
        (MBO1, "mbo_bol_minor"),
        (replace(MBO1, age=18), "mbo_bol_adult"),
        (replace(MBO1, programme_type=ProgrammeType.BBL, age=16), "mbo_bbl"),
        (replace(MBO1, programme_type=None), "mbo_unknown"),
        (HBO1, "hbo_student"),
    ],
)
def test_travel_situation_follows_level_programme_and_age(facts, expected):
    assert travel_situation(facts) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (VMBO4, "vmbo_exam_year"),
        (replace(VMBO4, phase_code="vmbo3", last_phase_of_level=False), "vmbo_year3"),
        (MBO1, "mbo"),
        (HBO1, "hbo"),
    ],
)
def test_exam_situation_follows_the_phase(facts, expected):
    assert exam_situation(facts) == expected


def student(facts: StudentFacts) -> Access:
    return Access(PersonRole.STUDENT, (Subject(facts.first_name, facts),))


def test_a_student_gets_their_own_travel_paragraph_in_the_second_person():
    addition = topic_addition(catalog(), "travel", student(VMBO4))
    assert addition.text.startswith("Jij zit nog op het vmbo.")
    assert "geen ov-product" in addition.text
    assert "school_records" in addition.sources and "duo_scholieren" in addition.sources


def test_a_guardian_hears_about_each_allowed_child_by_name_and_why_not_for_others():
    access = Access(
        PersonRole.GUARDIAN,
        (
            Subject("Lotte", MBO1),
            Subject("Noor", None, Refusal.ADULT_WITHOUT_CONSENT),
        ),
    )
    addition = topic_addition(catalog(), "travel", access)
    lotte, noor = addition.text.split("\n\n")
    assert lotte.startswith("Lotte volgt bol op het mbo en is nog geen 18.")
    assert noor.startswith("Noor is 18 jaar of ouder.")
    assert "mbo" not in noor


def test_anonymous_conversations_get_no_personal_paragraph():
    assert topic_addition(catalog(), "exam", Access(role=None)) is None


def test_a_guardian_without_linked_children_is_told_so():
    addition = topic_addition(catalog(), "exam", Access(PersonRole.GUARDIAN, ()))
    assert addition.text.startswith("Ik zie geen kind")


def test_exam_paragraph_for_the_exam_year_names_may():
    addition = topic_addition(catalog(), "exam", student(VMBO4))
    assert addition.text.startswith("Jij zit in je examenjaar.") and "mei" in addition.text


def test_route_position_names_the_phase_the_next_phase_and_what_happens_there():
    answer = route_position(catalog(), student(VMBO4))
    assert answer.text.startswith("Je zit nu in vmbo jaar 4. Hierna komt mbo jaar 1.")
    assert catalog().render("route/phases", {"phase": "mbo1"}).text in answer.text
    assert answer.sources[0] == "school_records"


def test_route_position_in_the_last_phase_says_it_is_the_last_year():
    guardian = Access(PersonRole.GUARDIAN, (Subject("Noor", HBO1),))
    answer = route_position(catalog(), guardian)
    assert answer.text.startswith("Noor zit nu in hbo jaar 1. Dit is voor Noor het laatste jaar")


def test_route_position_for_an_anonymous_visitor_explains_and_stays_general():
    answer = route_position(catalog(), Access(role=None))
    assert answer.text.startswith("Ik weet nog niet wie je bent.")
    assert catalog().render("route/phases").text in answer.text
    assert "school_records" not in answer.sources
