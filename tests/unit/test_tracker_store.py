"""No chat token is stored with a conversation (channels/tracker_store.py)."""

from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered

from channels.tracker_store import without_token


def test_the_token_leaves_every_stored_event_and_the_in_memory_one_keeps_it():
    said = UserUttered(
        "hoi",
        parse_data={"intent": {"name": "greet"}, "metadata": {"chat_token": "secret"}},
        metadata={"chat_token": "secret", "client_key": "k"},
    )
    stored = without_token(said)
    assert stored.as_dict()["metadata"] == {"client_key": "k"} and stored.text == "hoi"
    assert "secret" not in str(stored.as_dict())
    assert said.metadata["chat_token"] == "secret"  # the turn in progress still reads it
    slot = SlotSet("session_started_metadata", {"chat_token": "secret", "x": 1})
    assert without_token(slot).as_dict()["value"] == {"x": 1}
    for event in (
        SessionStarted(metadata={"chat_token": "secret"}),
        ActionExecuted("action_listen", metadata={"chat_token": "secret"}),
    ):
        assert "secret" not in str(without_token(event).as_dict())
    plain = UserUttered("hoi")
    assert without_token(plain) is plain
