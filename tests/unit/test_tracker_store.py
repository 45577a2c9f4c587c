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


def test_the_store_keeps_its_sqlite_connections_and_stores_and_reads_back(tmp_path):
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy.pool import QueuePool

    from channels.tracker_store import TokenFreeSQLTrackerStore

    domain = Domain.from_yaml("intents: [greet]\nslots: {}\n")
    store = TokenFreeSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert isinstance(store.engine.pool, QueuePool)
    tracker = DialogueStateTracker.from_events(
        "pooled",
        [
            ActionExecuted("action_listen"),
            UserUttered("hoi", {"name": "greet"}, metadata={"chat_token": "secret"}),
        ],
    )
    asyncio.run(store.save(tracker))
    tracker.update(ActionExecuted("utter_greet"))
    asyncio.run(store.save(tracker))
    back = asyncio.run(store.retrieve("pooled"))
    assert [event.as_dict().get("name") for event in back.events] == [
        "action_listen",
        None,
        "utter_greet",
    ]
    assert "secret" not in str([event.as_dict() for event in back.events])
    assert store.engine.pool.checkedin() == 1  # one connection, kept for the next turn
    with store.engine.connect() as connection:
        # NORMAL (1): a save waits for the disk at checkpoints only.
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    store.engine.dispose()
