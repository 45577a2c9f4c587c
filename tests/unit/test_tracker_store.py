"""No chat token is stored with a conversation (channels/tracker_store.py)."""

from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered

from channels.tracker_store import stored_form, without_token


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


def test_a_user_message_is_stored_with_only_the_first_answer_of_its_ranking():
    ranking = [{"intent_response_key": f"route/a{n}", "confidence": 1 / (n + 2)} for n in range(30)]
    selector = {"default": {"response": {"intent_response_key": "route/a0"}, "ranking": ranking}}
    said = UserUttered(
        "wat is het toptraject",
        {"name": "route", "confidence": 0.9},
        parse_data={"response_selector": selector, "metadata": {"chat_token": "secret"}},
    )
    stored = stored_form(said).as_dict()["parse_data"]
    assert stored["response_selector"]["default"]["ranking"] == ranking[:1]
    assert stored["response_selector"]["default"]["response"] == selector["default"]["response"]
    assert stored["intent"]["name"] == "route" and "secret" not in str(stored)
    # The message being answered keeps its whole ranking, in memory.
    assert said.parse_data["response_selector"]["default"]["ranking"] == ranking
    short = UserUttered("hoi", parse_data={"response_selector": {"default": {"ranking": []}}})
    assert stored_form(short) is short
    plain = UserUttered("hoi")
    assert stored_form(plain) is plain


def test_a_conversation_reads_back_as_rasas_own_store_reads_it(tmp_path):
    import asyncio
    import inspect

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from channels.tracker_store import TokenFreeSQLTrackerStore

    # If an upgrade changes how Rasa reads a conversation back, look at this again.
    assert "json.loads(event.data) for event in serialised_events" in inspect.getsource(
        SQLTrackerStore._retrieve
    )
    slots = "slots:\n  naam:\n    type: text\n    mappings: []\n"
    domain = Domain.from_yaml(f"intents: [greet]\n{slots}")
    store = TokenFreeSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    first = [ActionExecuted("action_listen"), UserUttered("hoi", {"name": "greet"})]
    second = [
        SessionStarted(timestamp=first[-1].timestamp + 10),
        SlotSet("naam", "Sanne", timestamp=first[-1].timestamp + 11),
        ActionExecuted("action_listen", timestamp=first[-1].timestamp + 12),
    ]
    tracker = DialogueStateTracker.from_events("c-back", first, domain.slots)
    asyncio.run(store.save(tracker))
    for event in second:
        tracker.update(event)
    asyncio.run(store.save(tracker))

    def dicts(back: DialogueStateTracker | None) -> list[dict]:
        return [event.as_dict() for event in back.events]

    for everything in (False, True):
        ours = asyncio.run(store._retrieve("c-back", everything))
        rasas = asyncio.run(SQLTrackerStore._retrieve(store, "c-back", everything))
        assert dicts(ours) == dicts(rasas)
        assert len(ours.events) == (5 if everything else 3)
        assert ours.get_slot("naam") == "Sanne"
    assert asyncio.run(store._retrieve("c-nobody", False)) is None
    # The count a save starts from is Rasa's count of the latest session's events.
    with store.session_scope() as session:
        for sender in ("c-back", "c-nobody"):
            rasas = store._event_query(session, sender, fetch_events_from_all_sessions=False)
            ours = store._stored_mark(sender, session).events
            assert ours == rasas.count()
    tracker.update(ActionExecuted("utter_greet", timestamp=first[-1].timestamp + 13))
    asyncio.run(store.save(tracker))
    back = asyncio.run(store.retrieve("c-back"))
    assert [e.as_dict().get("name") for e in back.events][-2:] == ["action_listen", "utter_greet"]


def test_sqlite_in_memory_is_refused_with_a_clear_message():
    import pytest
    from rasa.shared.core.domain import Domain

    from channels.tracker_store import TokenFreeSQLTrackerStore

    with pytest.raises(ValueError, match="database file"):
        TokenFreeSQLTrackerStore(Domain.empty(), dialect="sqlite", db=None)


def _kept_store(tmp_path, name: str = "tracker.db"):
    from rasa.shared.core.domain import Domain

    from channels.tracker_store import TokenFreeSQLTrackerStore

    slots = "slots:\n  naam:\n    type: text\n    mappings: []\n"
    domain = Domain.from_yaml(f"intents: [greet]\n{slots}")
    return TokenFreeSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / name))


def _said(n: int, start: float) -> list:
    ranking = [{"intent_response_key": f"route/a{k}", "confidence": 0.1} for k in range(5)]
    return [
        UserUttered(
            f"hoi {n}",
            {"name": "greet", "confidence": 1.0},
            parse_data={"response_selector": {"default": {"ranking": ranking}}},
            metadata={"chat_token": "secret"},
            timestamp=start + 3 * n,
        ),
        SlotSet("naam", f"Sanne {n}", timestamp=start + 3 * n + 1),
        ActionExecuted("action_listen", timestamp=start + 3 * n + 2),
    ]


def test_a_kept_conversation_is_what_the_database_holds_turn_after_turn(tmp_path):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    store = _kept_store(tmp_path)
    tracker = DialogueStateTracker.from_events(
        "c-kept", [ActionExecuted("action_listen", timestamp=1.0)], store.domain.slots
    )
    asyncio.run(store.save(tracker))
    for n in range(6):
        tracker = asyncio.run(store.retrieve("c-kept"))
        tracker.update(SlotSet("naam", "mag niet blijven"))  # a copy: not kept
        tracker = asyncio.run(store.retrieve("c-kept"))
        for event in _said(n, 10.0):
            tracker.update(event)
        asyncio.run(store.save(tracker))
        kept = asyncio.run(store.retrieve("c-kept"))
        from_disk = asyncio.run(store._retrieve("c-kept", False))
        assert kept.current_state(EventVerbosity.ALL) == from_disk.current_state(EventVerbosity.ALL)
        assert kept.get_slot("naam") == f"Sanne {n}"
        assert "secret" not in str(kept.current_state(EventVerbosity.ALL))
    assert len(store.kept) == 1 and store.kept.mark("c-kept").events == 19
    store.engine.dispose()


def test_the_database_stays_the_truth_for_a_kept_conversation(tmp_path):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy import text

    store = _kept_store(tmp_path)
    other = _kept_store(tmp_path)  # another Rasa instance on the same database
    tracker = DialogueStateTracker.from_events("c-truth", _said(0, 10.0), store.domain.slots)
    asyncio.run(store.save(tracker))
    asyncio.run(store.retrieve("c-truth"))  # kept now
    theirs = asyncio.run(other.retrieve("c-truth"))
    for event in _said(1, 10.0):
        theirs.update(event)
    asyncio.run(other.save(theirs))
    assert asyncio.run(store.retrieve("c-truth")).get_slot("naam") == "Sanne 1"
    # An erasure by another process (infra/transcripts.py) is not undone from memory.
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM events WHERE sender_id = 'c-truth'"))
    assert asyncio.run(store.retrieve("c-truth")) is None
    assert len(store.kept) == 0
    store.engine.dispose()
    other.engine.dispose()


def test_a_new_session_and_the_memory_cap_let_kept_conversations_go(tmp_path):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    store = _kept_store(tmp_path)
    tracker = DialogueStateTracker.from_events("c-old", _said(0, 10.0), store.domain.slots)
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve("c-old"))
    tracker.update(SessionStarted(timestamp=100.0))
    tracker.update(ActionExecuted("action_listen", timestamp=101.0))
    asyncio.run(store.save(tracker))
    assert store.kept.mark("c-old") is None  # the next read starts the new session
    assert len(asyncio.run(store.retrieve("c-old")).events) == 2
    store.kept.max_events = 5
    for n in range(3):
        sender = f"c-{n}"
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, _said(n, 10.0))))
        asyncio.run(store.retrieve(sender))
    assert [store.kept.mark(f"c-{n}") is not None for n in range(3)] == [False, False, True]
    store.engine.dispose()


def test_a_save_stores_the_rows_rasas_save_stores(tmp_path):
    import asyncio
    import inspect

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy import text

    from channels.tracker_store import TokenFreeSQLTrackerStore

    # The body of Rasa's save, done here in a worker thread: if it changes, look again.
    source = inspect.getsource(SQLTrackerStore.save)
    for line in ("self._additional_events(session, tracker)", "data=json.dumps(data)"):
        assert line in source
    ours, rasas = _kept_store(tmp_path, "ours.db"), _kept_store(tmp_path, "rasas.db")
    events = [*_said(0, 10.0), *_said(1, 10.0)]
    asyncio.run(ours.save(DialogueStateTracker.from_events("c-rows", events)))
    as_stored = DialogueStateTracker.from_events("c-rows", [stored_form(e) for e in events])
    asyncio.run(SQLTrackerStore.save(rasas, as_stored))
    query = text(
        "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events"
    )

    def rows(store: TokenFreeSQLTrackerStore) -> list:
        with store.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query)]

    assert rows(ours) == rows(rasas) and len(rows(ours)) == 6
    ours.engine.dispose()
    rasas.engine.dispose()


def test_an_idle_conversation_leaves_memory_without_another_turn(tmp_path):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    store = _kept_store(tmp_path)
    store.kept.idle_seconds = 0.05

    async def talk_then_wait() -> tuple[int, int]:
        await store.save(DialogueStateTracker.from_events("c-idle", _said(0, 10.0)))
        await store.retrieve("c-idle")
        kept = len(store.kept)
        await asyncio.sleep(0.3)  # nobody writes: the sweep alone lets it go
        return kept, len(store.kept)

    assert asyncio.run(talk_then_wait()) == (1, 0)
    store.engine.dispose()


def test_a_save_that_is_not_what_is_kept_or_changes_a_kept_message_lets_it_go(tmp_path):
    import asyncio

    from rasa.shared.core.events import DefinePrevUserUtteredFeaturization
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy import text

    store = _kept_store(tmp_path)
    asyncio.run(store.save(DialogueStateTracker.from_events("c-go", _said(0, 10.0))))
    tracker = asyncio.run(store.retrieve("c-go"))
    # Another writer changed the newest event but left the count: the full mark differs.
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE events SET timestamp = 99 WHERE timestamp = 12"))
    tracker.update(ActionExecuted("utter_greet", timestamp=13.0))
    asyncio.run(store.save(tracker))
    assert store.kept.mark("c-go") is None
    tracker = asyncio.run(store.retrieve("c-go"))
    tracker.update(DefinePrevUserUtteredFeaturization(True))  # changes a kept message
    asyncio.run(store.save(tracker))
    assert store.kept.mark("c-go") is None
    store.engine.dispose()


def test_a_kept_copy_that_cannot_follow_is_let_go_and_the_save_stands(tmp_path):
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    store = _kept_store(tmp_path)
    asyncio.run(store.save(DialogueStateTracker.from_events("c-fail", _said(0, 10.0))))
    tracker = asyncio.run(store.retrieve("c-fail"))

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    store.kept.saved = broken
    tracker.update(ActionExecuted("utter_greet", timestamp=13.0))
    asyncio.run(store.save(tracker))  # does not raise
    assert store.kept.mark("c-fail") is None
    assert len(asyncio.run(store._retrieve("c-fail", False)).events) == 4
    store.engine.dispose()


def test_a_new_model_starts_the_kept_conversations_afresh(tmp_path):
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    store = _kept_store(tmp_path)
    asyncio.run(store.save(DialogueStateTracker.from_events("c-model", _said(0, 10.0))))
    asyncio.run(store.retrieve("c-model"))
    assert len(store.kept) == 1
    store.domain = Domain.from_yaml("intents: [greet, bye]\nslots: {}\n")
    back = asyncio.run(store.retrieve("c-model"))
    assert "naam" not in back.slots  # read with the new domain's slots
    store.engine.dispose()
