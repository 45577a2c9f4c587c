"""The conversation as a coordinator reads it (bot/escalation/summary.py)."""

from bot.escalation.summary import MAX_TURNS, Turn, readable_turns, summarise

EVENTS = [
    {"event": "action", "name": "action_session_start"},
    {"event": "user", "text": "/greet", "timestamp": 1.0},
    {
        "event": "bot",
        "text": "Hoi! Waar kan ik je mee helpen?",
        "data": {"buttons": [{"title": "Mijn route", "payload": "/ask_my_route"}]},
        "timestamp": 2.0,
    },
    {"event": "user", "text": "/ask_my_route", "timestamp": 3.0},
    {"event": "bot", "text": "Je zit nu in vmbo jaar 4.", "timestamp": 4.0},
    {"event": "user", "text": "EXTERNAL: coordinator_reply", "timestamp": 5.0},
    {"event": "bot", "text": "Marieke schrijft: ik bel je morgen.", "timestamp": 6.0},
    {"event": "user", "text": "ja is goed, dankje marieke", "timestamp": 7.0},
    {"event": "user", "text": '/choose_answer{"answer_id": "travel/bus"}', "timestamp": 8.0},
]


def test_the_conversation_reads_as_a_person_would_tell_it():
    assert readable_turns(EVENTS) == [
        Turn("bot", "Hoi! Waar kan ik je mee helpen?", 2.0),
        Turn("user", "Mijn route", 3.0),  # the button's title, not its payload
        Turn("bot", "Je zit nu in vmbo jaar 4.", 4.0),
        Turn("bot", "Marieke schrijft: ik bel je morgen.", 6.0),
        Turn("user", "ja is goed, dankje marieke", 7.0),
    ]


def test_the_summary_has_no_payloads_and_no_system_events():
    summary = summarise(readable_turns(EVENTS))
    assert "/" not in summary.replace("vmbo jaar 4", "") and "EXTERNAL" not in summary
    assert summary.splitlines()[1] == "Gebruiker: Mijn route"


def test_the_summary_keeps_the_last_turns_short():
    turns = [Turn("user", "woord " * 200)] * (MAX_TURNS + 3)
    lines = summarise(turns).splitlines()
    assert len(lines) == MAX_TURNS and all(len(line) < 320 for line in lines)
    assert summarise([]) == "(geen eerdere berichten)"


def test_the_age_of_a_handoff_reads_as_a_person_would_say_it():
    from datetime import datetime, timedelta, timezone

    from bot.escalation.texts import age_label

    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
    ago = [age_label(now - delta, now) for delta in (
        timedelta(seconds=30), timedelta(minutes=12), timedelta(hours=3), timedelta(days=3)
    )]  # fmt: skip
    assert ago == ["net binnen", "12 min. geleden", "3 uur geleden", "3 dagen geleden"]
