"""The compact word tables answer as the packages they are built from do."""

import json
import random

import pytest
import srsly

from bot.language import word_lists
from bot.language.spelling import edit_distance_1
from bot.language.word_table import BLOCK_BYTES, WordTable, serialise
from bot.language.words import plain


def test_every_key_is_found_across_many_blocks_and_nothing_else():
    rng = random.Random(3)
    letters = "abcdeéëz'"
    keys = {"".join(rng.choice(letters) for _ in range(rng.randint(1, 12))) for _ in range(5000)}
    table = WordTable.of((key, str(len(key))) for key in keys)
    assert len(table) == len(keys)
    assert len(table._firsts) > 20  # the keys span many blocks
    assert all(table.get(key) == str(len(key)) for key in keys)
    for other in ("", "a" * 13, "zzzzzzzzzzzzz", "\u00e9" * 13, "ab\tc", "ab\nc", "0", "\uffff"):
        if other not in keys:
            assert table.get(other) is None
            assert other not in table


def test_a_key_is_not_found_inside_another_line():
    table = WordTable.of([("bal", "1"), ("voetbal", "2"), ("voet", "")])
    assert table.get("bal") == "1"
    assert table.get("voet") == ""
    assert table.get("oetbal") is None
    assert table.get("1") is None


def test_the_last_key_of_a_block_is_found():
    keys = [f"w{i:06d}" for i in range(3 * BLOCK_BYTES)]
    table = WordTable.of((key, "x" * (i % 7)) for i, key in enumerate(keys))
    assert all(table.get(key) == "x" * (i % 7) for i, key in enumerate(keys))


def test_entries_with_a_tab_or_newline_or_a_key_twice_are_refused():
    for items in ([("a\tb", "1")], [("a", "1\n")], [("", "1")], [("a", "1"), ("a", "2")]):
        with pytest.raises(ValueError):
            serialise(items)
    with pytest.raises(ValueError):
        WordTable(b"a\t1")


@pytest.fixture(scope="module")
def lists():
    return word_lists.word_lists()


@pytest.fixture(scope="module")
def dutch_list():
    from spellchecker import SpellChecker

    return SpellChecker(language="nl", distance=1)


def test_dutch_frequencies_are_the_word_list_summed_over_spellings(lists, dutch_list):
    expected: dict[str, int] = {}
    for word, count in dutch_list.word_frequency.dictionary.items():
        key = word if word.isascii() else plain(word)
        expected[key] = expected.get(key, 0) + int(count)
    assert len(lists.dutch) == len(expected)
    for word in random.Random(1).sample(sorted(expected), 3000):
        assert int(lists.dutch.get(word)) == expected[word], word
    assert lists.letters == "".join(sorted(dutch_list.word_frequency.letters))
    assert lists.longest_word == dutch_list.word_frequency.longest_word_length


@pytest.mark.parametrize("word", ["examnes", "moeilik", "herkanssing", "a" * 60, "wnr", "zzzz"])
def test_one_edit_candidates_are_pyspellcheckers(word, dutch_list):
    assert edit_distance_1(word) == dutch_list.edit_distance_1(word)


def test_english_and_lemmas_are_the_packages_lists(lists):
    from importlib.resources import files

    from spellchecker import SpellChecker

    english = SpellChecker(language="en", distance=1).word_frequency.dictionary
    assert len(lists.english) == len(english)
    assert all(word in lists.english for word in random.Random(2).sample(sorted(english), 2000))
    lookup = srsly.read_gzip_json(files("spacy_lookups_data") / "data" / "nl_lemma_lookup.json.gz")
    expected = {plain(form): plain(lemma) for form, lemma in lookup.items()}
    for form in random.Random(4).sample(sorted(expected), 3000):
        assert lists.lemmas.get(form) == expected[form], form


def test_a_missing_or_stale_folder_is_built_again(tmp_path, monkeypatch):
    folder = tmp_path / "word_lists"
    built = word_lists.load(folder)
    assert built.dutch.get("examen") and "school" in built.english
    about = json.loads((folder / "about.json").read_text())
    assert about["sources"] == word_lists.sources()
    about["sources"]["pyspellchecker"] = "0.0.1"
    (folder / "about.json").write_text(json.dumps(about))
    (folder / "dutch.tsv").write_bytes(b"")
    assert word_lists.load(folder).dutch.get("examen")
    assert json.loads((folder / "about.json").read_text())["sources"] == word_lists.sources()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["word_lists"]


def test_a_builder_that_comes_second_keeps_the_folder_already_in_place(tmp_path):
    folder = tmp_path / "word_lists"
    word_lists.build(folder)
    (folder / "first.txt").write_text("the first builder's folder")
    word_lists.build(folder)  # another process, a moment later
    assert (folder / "first.txt").exists()
    assert word_lists.load(folder).lemmas.get("gepest") == "pesten"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["word_lists"]


def test_make_nlu_replaces_even_a_current_folder(tmp_path):
    """After the builder's code changed, `make nlu` writes the lists again."""
    folder = tmp_path / "word_lists"
    word_lists.build(folder)
    (folder / "first.txt").write_text("an older build")
    word_lists.build(folder, replace_current=True)
    assert not (folder / "first.txt").exists()
    assert word_lists.load(folder).lemmas.get("gepest") == "pesten"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["word_lists"]
