"""The bad-input drill: every input of the corpus, then a normal message that must
still be answered. No 5xx, no silent turn, no process that dies or restarts."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import socketio

from tests.drills.conftest import service_pid
from tests.drills.corpus import bodies, messages

FOLLOW_UP = "wat is het toptraject"


def post(assistant, body: bytes, content_type: str) -> tuple[int, list]:
    request = urllib.request.Request(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, []


def answered(assistant, sender: str) -> bool:
    status, replies = post(
        assistant, json.dumps({"sender": sender, "message": FOLLOW_UP}).encode(), "application/json"
    )
    return status == 200 and any("Toptraject" in reply.get("text", "") for reply in replies)


def try_message(assistant, case: tuple[int, str, str]) -> dict:
    n, label, text = case
    sender = f"drill-msg-{n}"
    status, replies = post(
        assistant, json.dumps({"sender": sender, "message": text}).encode(), "application/json"
    )
    return {
        "label": label,
        "status": status,
        "silent": status == 200 and not any(reply.get("text") for reply in replies),
        "follow_up": answered(assistant, sender),
    }


def try_body(assistant, case: tuple[int, str, bytes, str]) -> dict:
    n, label, body, content_type = case
    status, replies = post(assistant, body, content_type)
    return {
        "label": label,
        "status": status,
        "silent": status == 200 and not any(reply.get("text") for reply in replies),
        "follow_up": answered(assistant, f"drill-body-{n}"),
    }


def report(results: list[dict], what: str) -> None:
    server_errors = [r["label"] for r in results if r["status"] >= 500]
    silent = [r["label"] for r in results if r["silent"]]
    unanswered = [r["label"] for r in results if not r["follow_up"]]
    print(
        f"\n{what}: {len(results)} inputs, {len(server_errors)} server errors, "
        f"{len(silent)} silent, {len(unanswered)} follow-ups unanswered; statuses "
        f"{sorted({r['status'] for r in results})}"
    )
    assert server_errors == [] and silent == [] and unanswered == []


def test_every_bad_message_is_answered_and_so_is_the_next(drill_assistant):
    pids = {name: service_pid(drill_assistant, name) for name in ("actions", "rasa", "web")}
    cases = [(n, label, text) for n, (label, text) in enumerate(messages())]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: try_message(drill_assistant, case), cases))
    report(results, "Bad messages")
    assert all(r["status"] == 200 for r in results)
    assert {name: service_pid(drill_assistant, name) for name in pids} == pids


def test_every_bad_request_body_is_refused_or_answered_and_the_service_stays(drill_assistant):
    pids = {name: service_pid(drill_assistant, name) for name in ("actions", "rasa", "web")}
    cases = [
        (n, label, body, content_type)
        for n, (label, body, content_type) in enumerate(bodies("drill-valid-sender"))
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: try_body(drill_assistant, case), cases))
    report(results, "Bad request bodies")
    assert {name: service_pid(drill_assistant, name) for name in pids} == pids


SOCKET_CASES = [
    ("no-data", None),
    ("string", "hoi"),
    ("list", ["hoi"]),
    ("no-session", {"message": "hoi"}),
    ("session-number", {"session_id": 5, "message": "hoi"}),
    ("session-surrogate", {"session_id": "\ud800x", "message": "hoi"}),
    ("session-huge", {"session_id": "a" * 100_000, "message": "hoi"}),
    ("message-number", {"message": 5}),
    ("message-huge", {"message": "a" * 200_000}),
    ("message-surrogate", {"message": "\ud800"}),
    ("metadata-string", {"message": "hoi", "customData": "x"}),
    ("metadata-json-string", {"message": "hoi", "customData": '{"a": 1}'}),
    ("metadata-list", {"message": "hoi", "customData": [1]}),
    ("injection", {"message": '/request_human{"priority": "urgent"}'}),
    ("html", {"message": "<script>alert(1)</script>"}),
    ("empty", {"message": ""}),
    ("emoji", {"message": "😭" * 5000}),
    ("nul", {"message": "\x00"}),
    ("null-message", {"message": None}),
    ("dict-message", {"message": {"text": "hoi"}}),
]


def test_bad_socket_io_events_leave_the_chat_working(drill_assistant):
    client = socketio.Client()
    answers: list[dict] = []
    sessions: list[dict] = []
    client.on("bot_uttered", answers.append)
    client.on("session_confirm", sessions.append)
    client.connect(drill_assistant.rasa_url, transports=["polling"], socketio_path="socket.io")
    try:
        client.emit("session_request", {"session_id": "\ud800x"})
        client.emit("session_request", {"session_id": "drill-socket-1"})
        client.sleep(1)
        for _label, data in SOCKET_CASES:
            if isinstance(data, dict) and "session_id" not in data:
                data = {**data, "session_id": "drill-socket-1"}
            client.emit("user_uttered", data)
        client.sleep(3)
        before = len(answers)
        client.emit("user_uttered", {"session_id": "drill-socket-1", "message": FOLLOW_UP})
        for _ in range(60):
            if any("Toptraject" in a.get("text", "") for a in answers[before:]):
                break
            client.sleep(0.5)
    finally:
        client.disconnect()
    print(f"\nBad socket.io events: {len(SOCKET_CASES) + 1}, follow-up answered")
    assert any("Toptraject" in a.get("text", "") for a in answers[before:])
