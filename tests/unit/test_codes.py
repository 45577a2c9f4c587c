import pytest

from bot.identity.codes import ALPHABET, generate_code, hash_code, normalise_code


def test_generated_codes_have_the_readable_shape():
    codes = {generate_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        prefix, first, second = code.split("-")
        assert prefix == "TT"
        assert len(first) == len(second) == 3
        assert set(first + second) <= set(ALPHABET)
        assert normalise_code(code) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("TT-4K9-7QX", "TT-4K9-7QX"),
        ("tt-4k9-7qx", "TT-4K9-7QX"),
        ("tt 4k9 7qx", "TT-4K9-7QX"),
        ("4K97QX", "TT-4K9-7QX"),
        (" TT4K9-7QX ", "TT-4K9-7QX"),
        ("TT-4K9-7Q", None),
        ("TT-4K9-7QXX", None),
        ("TT-0K9-7QX", None),  # 0 is not in the alphabet
        ("hallo", None),
        ("", None),
    ],
)
def test_normalise_code(typed, expected):
    assert normalise_code(typed) == expected


def test_hash_is_keyed_and_stable():
    assert hash_code("TT-4K9-7QX", "a") == hash_code("TT-4K9-7QX", "a")
    assert hash_code("TT-4K9-7QX", "a") != hash_code("TT-4K9-7QX", "b")
    assert "4K9" not in hash_code("TT-4K9-7QX", "a")
