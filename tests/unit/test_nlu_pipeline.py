"""The Dutch spaCy pipeline, built for real from the patterns file."""

import pytest

from bot.language.entities import canonical_value, load_patterns, resolve_entities
from nlu.build_pipeline import build_pipeline, write_pipeline


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ik zit op het noordik", [("school", "CSG Het Noordik")]),
        ("mijn dochter gaat naar csg noordik", [("school", "CSG Het Noordik")]),
        ("hij zit op het ROC", [("school", "ROC van Twente")]),
        ("roc twente of saxion?", [("school", "ROC van Twente"), ("school", "Saxion")]),
        ("ik zit in klas 3 vmbo kader", [("phase", "vmbo3"), ("track", "kb")]),
        ("in jaar 4 van het vmbo", [("school_year", "4"), ("level", "vmbo")]),
        ("wat doe je in hbo 1 en de mhbo route", [("phase", "hbo1"), ("phase", "mhbo")]),
        ("wij wonen in de Achterhoek", [("region", "Achterhoek en Liemers")]),
        (
            "hoe gaat het met slb en rekenen",
            [("bouwsteen", "studieloopbaanbegeleiding"), ("bouwsteen", "rekenen/wiskunde")],
        ),
        ("ik heb een vraag", []),
    ],
)
def test_entity_ruler_finds_canonical_entities(nlp, text, expected):
    found = [(ent.label_, ent.ent_id_) for ent in nlp(text).ents]
    assert found == expected


def test_tokens_get_their_lemmas_from_the_spelling_step_not_from_spacy(nlp):
    from nlu.spelling import meant_lemma

    tokens = list(nlp("ik liep, ging en had examens gehaald"))
    assert [token.lemma_ for token in tokens] == [""] * len(tokens)
    lemmas = [meant_lemma(token.text) or token.text for token in tokens]
    assert lemmas == ["ik", "lopen", ",", "gaan", "en", "hebben", "examen", "halen"]


def test_canonical_value_maps_every_variant():
    for pattern in load_patterns():
        assert canonical_value(pattern.label, pattern.variant) == pattern.value
    assert canonical_value("school", "  Het   NOORDIK ") == "CSG Het Noordik"
    assert canonical_value("school", "onbekende school") is None


def test_no_variant_belongs_to_two_values_of_one_label():
    seen = {}
    for pattern in load_patterns():
        key = (pattern.label, pattern.variant)
        assert seen.setdefault(key, pattern.value) == pattern.value, key


def test_written_pipeline_loads_from_its_path(tmp_path):
    import spacy

    target = tmp_path / "spacy_nl"
    write_pipeline(target)
    loaded = spacy.load(target)
    assert loaded.pipe_names == ["entity_ruler"]
    assert [ent.ent_id_ for ent in loaded("saxion").ents] == ["Saxion"]


def test_no_variant_belongs_to_two_labels():
    labels_of = {}
    for pattern in load_patterns():
        labels_of.setdefault(pattern.variant, set()).add(pattern.label)
    assert {variant: labels for variant, labels in labels_of.items() if len(labels) > 1} == {}


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ([("school", "het noordik")], {"school": "CSG Het Noordik"}),
        ([("school", "Saxion"), ("school", "roc")], {"school": "Saxion"}),
        ([("school", "school die niet bestaat")], {}),
        (
            [("school_year", "jaar 4"), ("level", "vmbo")],
            {"school_year": "4", "level": "vmbo", "phase": "vmbo4"},
        ),
        # hbo year 4 is not a phase of the route, so no phase is made up.
        ([("school_year", "jaar 4"), ("level", "hbo")], {"school_year": "4", "level": "hbo"}),
        (
            [("phase", "propedeuse"), ("school_year", "jaar 3"), ("level", "vmbo")],
            {"phase": "hbo1", "school_year": "3", "level": "vmbo"},
        ),
    ],
)
def test_resolve_entities_gives_canonical_values_and_derives_the_phase(found, expected):
    assert resolve_entities(found) == expected
