"""The content catalog: complete, consistent with the NLU data, and rendered as written."""

from pathlib import Path

import pytest
import yaml

from bot.content.catalog import WILDCARD, ContentError, catalog, flow, load_catalog
from bot.language.entities import load_patterns
from bot.personal import SITUATION_BY_TOPIC

INFERENCE_NOTE = catalog().message("inference_note")

ROOT = Path(__file__).resolve().parents[2]
CONTENT_TOPICS = {"route", "travel", "exam"}
MIN_EXAMPLES_PER_ANSWER = 20


def nlu_examples_by_intent(folder: Path) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in folder.glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                lines = [
                    line[2:] for line in block["examples"].splitlines() if line.startswith("- ")
                ]
                examples.setdefault(block["intent"], []).extend(lines)
    return examples


def content_intents(examples: dict[str, list[str]]) -> set[str]:
    return {intent for intent in examples if intent.split("/")[0] in CONTENT_TOPICS}


def test_every_content_question_in_the_nlu_data_has_an_answer_and_back():
    trained = content_intents(nlu_examples_by_intent(ROOT / "data" / "nlu"))
    assert trained == set(catalog().answers)


def test_every_answer_has_enough_training_examples():
    examples = nlu_examples_by_intent(ROOT / "data" / "nlu")
    thin = {
        answer_id: len(examples.get(answer_id, []))
        for answer_id in catalog().answers
        if len(examples.get(answer_id, [])) < MIN_EXAMPLES_PER_ANSWER
    }
    assert thin == {}


def test_held_out_examples_cover_every_answer_and_never_appear_in_training():
    def normalised(text: str) -> str:
        return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())

    held_out = nlu_examples_by_intent(ROOT / "tests" / "nlu")
    trained = nlu_examples_by_intent(ROOT / "data" / "nlu")
    assert set(catalog().answers) <= set(held_out)
    training_texts = {normalised(text) for texts in trained.values() for text in texts}
    leaked = [
        text for texts in held_out.values() for text in texts if normalised(text) in training_texts
    ]
    assert leaked == []


def test_variants_use_only_known_entities_and_values():
    values = {}
    for pattern in load_patterns():
        values.setdefault(pattern.label, set()).add(pattern.value)
    for answer in catalog().answers.values():
        for entity, by_value in answer.variants.items():
            assert entity in values, (answer.id, entity)
            assert set(by_value) - {WILDCARD} <= values[entity], (answer.id, entity)


def test_every_situation_the_code_can_choose_has_paragraphs():
    situations = {
        "travel": {
            "vmbo_pupil",
            "mbo_bol_minor",
            "mbo_bol_adult",
            "mbo_bbl",
            "mbo_unknown",
            "hbo_student",
        },
        "exam": {"vmbo_year3", "vmbo_exam_year", "mbo", "hbo"},
    }
    assert set(SITUATION_BY_TOPIC) == set(situations)
    for topic, expected in situations.items():
        assert set(catalog().personal[topic]) == expected


def test_render_picks_the_variant_for_a_recognised_entity():
    content = catalog()
    general = content.render("route/schools")
    saxion = content.render("route/schools", {"school": "Saxion"})
    noordik = content.render("route/schools", {"school": "CSG Het Noordik"})
    assert "Het Assink Lyceum" in general.text and general.ref.entity is None
    assert saxion.text.startswith("Saxion is de hogeschool")
    assert noordik.text.startswith("Ja, CSG Het Noordik doet mee")
    assert str(noordik.ref) == "route/schools?school=CSG Het Noordik"
    # An entity the answer has no variant for leaves the general answer.
    assert content.render("route/schools", {"bouwsteen": "taalvaardigheid"}).text == general.text


def test_inference_answers_say_so():
    rendered = catalog().render("travel/ov_vmbo")
    assert rendered.inference and rendered.text.endswith(INFERENCE_NOTE)
    plain = catalog().render("travel/gift_or_loan")
    assert not plain.inference and INFERENCE_NOTE not in plain.text


def test_flow_joins_sentences_but_keeps_list_items():
    assert flow("Een.\nTwee.\n") == "Een. Twee."
    assert flow("Kies:\n- een\n- twee\nKlaar.") == "Kies:\n- een\n- twee\nKlaar."


def test_source_titles_skip_unknown_ids():
    titles = catalog().source_titles(["seed_000", "made_up"])
    assert len(titles) == 1 and "Dit is het Toptraject" in titles[0]


def write_content(folder: Path, route_answers: dict) -> None:
    (folder / "sources.yml").write_text("s1: {title: Een bron}\n", encoding="utf-8")
    (folder / "messages.yml").write_text("{}\n", encoding="utf-8")
    (folder / "route.yml").write_text(
        yaml.safe_dump({"topic": "route", "answers": route_answers}), encoding="utf-8"
    )
    for name, topic in (("travel.yml", "travel"), ("exams.yml", "exam")):
        (folder / name).write_text(
            yaml.safe_dump({"topic": topic, "answers": {}}), encoding="utf-8"
        )


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"title": "T", "text": "Tekst.", "sources": []}, "at least one source"),
        ({"title": "T", "text": "Tekst.", "sources": ["s2"]}, "unknown sources"),
        ({"title": "T", "text": " ", "sources": ["s1"]}, "non-empty text"),
        ({"text": "Tekst.", "sources": ["s1"]}, "title"),
        ({"title": "T", "text": "Tekst.", "sources": ["s1"], "personal": "travel"}, "personal"),
    ],
)
def test_broken_content_is_refused_with_a_clear_message(tmp_path, answer, problem):
    write_content(tmp_path, {"broken": answer})
    with pytest.raises(ContentError, match=problem):
        load_catalog(tmp_path)
