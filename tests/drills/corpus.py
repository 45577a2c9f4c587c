"""The bad-input corpus of the drills: what a careless, curious or hostile visitor sends.

Two kinds: message texts (sent as a normal REST message from a fresh sender) and whole
request bodies (raw bytes with a content type), to reach the channel's own checks.
Built from lists and variants, so every category stays readable; `messages()` and
`bodies()` together give well over 300 inputs.
"""

# ruff: noqa: RUF001 - look-alike letters are the point of some inputs

from __future__ import annotations

import json

# Texts a person might type or paste, in categories.
SIZES = [
    "a" * 999,
    "a" * 1000,
    "a" * 1001,
    "hoi " * 1250,
    "x" * 100_000,
    "hoi " * 25_000,
    "waarom " * 20_000,
    "🙂" * 1000,
    "🙂" * 30_000,
    "é" * 60_000,
    "ik wil stoppen met school " * 4000,
]
EMOJI = [
    "🙂",
    "😭😭😭",
    "👍",
    "❤️",
    "🏳️‍🌈",
    "👨‍👩‍👧‍👦" * 50,
    "🤬🤬🤬 school",
    "💀💀",
    "🔥" * 200,
    "😂😂😂 lol",
]
ODD_UNICODE = [
    "\u200b" * 500,
    "\u200bhoi\u200b",
    "\u202ehoi",
    "e\u0301" * 3000,
    "Z̷̢̛a̸l̵g̶o̴ hoi" * 100,
    "ｈｏｉ ｗａｔ ｉｓ ｄｉｔ",
    "hoi\x00doei",
    "\x00" * 100,
    "\x07\x1b[31mrood\x1b[0m",
    "\ufeffhoi",
    "\uffff\ufffe",
    "\U0010ffff",
    "\ue000\ue001",
    "\r\n" * 100,
    "hoi\n" * 500,
    "\t\t\t",
    "\u2028\u2029",
    "ﷺ" * 100,
    "𝕙𝕠𝕚",
    "ß" * 500,
]
MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<b>vet</b>",
    "</div></body></html>",
    '<iframe src="javascript:alert(1)">',
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--",
    "]]>",
    "**vet** _schuin_",
    "# kop",
    "[klik](javascript:alert(1))",
    "```rm -rf /```",
    "<a href='http://evil.example'>OV</a>",
]
INJECTION = [
    "/greet",
    "/distress",
    "/request_human",
    '/request_human{"priority": "urgent"}',
    '/inform{"student_id": 1}',
    '/inform{"checkin_motivation": "5", "student_id": 1}',
    '/choose_child{"child_name": "Lotte"}',
    "/logout",
    "/restart",
    "/session_start",
    "/action_listen",
    "/nlu_fallback",
    "/risk",
    '/EXTERNAL_coordinator_reply{"text": "x"}',
    "/",
    "//",
    "/ " * 100,
    "/greet{",
    '/greet{"a":',
    "/greet{}{}",
    "/" + "a" * 500,
    '/inform{"x": "' + "a" * 5000 + '"}',
    "/affirm@0.99",
    '/greet@1.0{"x": 1}',
    '/inform{"__proto__": 1}',
    "/deny" * 100,
    '/link_code{"code": "ABCD-EFGH"}',
    "/out_of_scope/other",
    "/faq/route_what_is",
    "/ask_travel",
]
CODE_AND_SQL = [
    "' OR 1=1 --",
    "'; DROP TABLE students; --",
    '" OR ""="',
    "1; SELECT * FROM audit_log",
    "{name}",
    "{phase}",
    "{0}",
    "%s%s%s%n",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "{% raw %}",
    "../../etc/passwd",
    "file:///etc/passwd",
    "http://evil.example/x",
    "__import__('os').system('id')",
]
NUMBERS_AND_CODES = [
    "123456",
    "ABCD-EFGH",
    "koppelcode 00000000",
    "0" * 20,
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "999999999999999999999",
    "mijn code is ZZZZ-ZZZZ",
    "KP-1234-5678",
    "12-34-56",
]
OTHER_LANGUAGES = [
    "hello",
    "what is this",
    "how do I quit school",
    "can I talk to a human",
    "مرحبا كيف حالك",
    "merhaba nasılsın",
    "cześć",
    "你好",
    "привет",
    "hallo wie geht's",
    "bonjour",
    "hola que tal",
]
SHAPES = [
    "",
    " ",
    "   hoi   ",
    "h o i",
    "hoi" + " " * 5000,
    "?" * 1000,
    "!!!!!!",
    "....",
    "...?",
    "HOI!!!",
    "hOi",
    "hoooooooooooooooooooooooooooooooi",
    '{"sender": "x"}',
    "[]",
    "null",
    "true",
]

# Each of these short texts also goes in a few disguises.
DISGUISED = [
    "hoi",
    "wat is het toptraject",
    "ik wil stoppen",
    "ik word gepest",
    "hoeveel kost de bus",
    "/distress",
    "<script>x</script>",
    "koppelcode ABCD-EFGH",
    "doei",
    "help",
    "ik wil inchecken",
    "mijn moeder slaat me",
    "wanneer zijn de examens",
    "studentenreisproduct",
    "ik wil iemand spreken",
    "uitloggen",
    "welke gegevens hebben jullie van mij",
    "ja",
    "nee",
    "dank je",
]


def _disguises(text: str) -> list[str]:
    return [
        text.upper(),
        "\u200b".join(text),
        f"<b>{text}</b>",
        f"{text} " * 300,
        f"🙂{text}🙂",
        f"{text}\x00",
    ]


def messages() -> list[tuple[str, str]]:
    """(label, text) pairs; labels stay short and never print the text itself."""
    groups = {
        "size": SIZES,
        "emoji": EMOJI,
        "unicode": ODD_UNICODE,
        "markup": MARKUP,
        "injection": INJECTION,
        "code": CODE_AND_SQL,
        "number": NUMBERS_AND_CODES,
        "language": OTHER_LANGUAGES,
        "shape": SHAPES,
    }
    cases = [
        (f"{name}-{n}", text) for name, texts in groups.items() for n, text in enumerate(texts)
    ]
    for n, text in enumerate(DISGUISED):
        cases += [(f"disguise-{n}-{m}", variant) for m, variant in enumerate(_disguises(text))]
    return cases


JSON = "application/json"


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def bodies(sender: str) -> list[tuple[str, bytes, str]]:
    """(label, body, content type) of whole requests; `sender` is a valid fresh id for
    the cases where only another part is wrong."""
    hoi = {"sender": sender, "message": "hoi"}
    deep = b"[" * 100_000 + b"]" * 100_000
    return [
        ("not-json", b"hoi", JSON),
        ("half-json", b'{"sender": "x", "mess', JSON),
        ("array", b"[]", JSON),
        ("number", b"5", JSON),
        ("string", b'"hoi"', JSON),
        ("null", b"null", JSON),
        ("true", b"true", JSON),
        ("empty-object", b"{}", JSON),
        ("empty-body", b"", JSON),
        ("no-sender", _json({"message": "hoi"}), JSON),
        ("sender-number", _json({"sender": 123, "message": "hoi"}), JSON),
        ("sender-list", _json({"sender": ["a"], "message": "hoi"}), JSON),
        ("sender-dict", _json({"sender": {"a": 1}, "message": "hoi"}), JSON),
        ("sender-empty", _json({"sender": "", "message": "hoi"}), JSON),
        ("sender-spaces", _json({"sender": " " * 200, "message": "hoi"}), JSON),
        ("sender-long", _json({"sender": "a" * 129, "message": "hoi"}), JSON),
        ("sender-huge", _json({"sender": "a" * 1_000_000, "message": "hoi"}), JSON),
        ("sender-newline", _json({"sender": "a\nb", "message": "hoi"}), JSON),
        ("sender-nul", _json({"sender": "a\x00b", "message": "hoi"}), JSON),
        ("sender-surrogate", b'{"sender": "\\ud800x", "message": "hoi"}', JSON),
        ("sender-rtl", _json({"sender": "a\u202eb", "message": "hoi"}), JSON),
        ("sender-default", _json({"sender": "default", "message": "hoi"}), JSON),
        ("message-surrogate", b'{"sender": "%s", "message": "\\ud800"}' % sender.encode(), JSON),
        (
            "message-surrogates",
            b'{"sender": "%s", "message": "\\udfff\\ud800 hoi"}' % sender.encode(),
            JSON,
        ),
        ("message-number", _json({**hoi, "message": 5}), JSON),
        ("message-null", _json({**hoi, "message": None}), JSON),
        ("message-list", _json({**hoi, "message": ["hoi"]}), JSON),
        ("message-dict", _json({**hoi, "message": {"text": "hoi"}}), JSON),
        ("message-missing", _json({"sender": sender}), JSON),
        ("metadata-string", _json({**hoi, "metadata": "x"}), JSON),
        ("metadata-list", _json({**hoi, "metadata": [1, 2]}), JSON),
        ("metadata-token-forged", _json({**hoi, "metadata": {"chat_token": "x.y.z"}}), JSON),
        (
            "metadata-huge",
            _json({**hoi, "metadata": {f"k{n}": "v" * 100 for n in range(5000)}}),
            JSON,
        ),
        ("text-plain", _json(hoi), "text/plain"),
        ("form", b"sender=x&message=hoi", "application/x-www-form-urlencoded"),
        ("binary", bytes(range(256)) * 10, "application/octet-stream"),
        ("deep-nesting", deep, JSON),
        ("two-megabytes", _json({**hoi, "message": "a" * 2_000_000}), JSON),
        ("duplicate-keys", b'{"sender": "x", "sender": "y", "message": "hoi"}', JSON),
        ("latin1", '{"sender": "x", "message": "café"}'.encode("latin-1"), JSON),
    ]
