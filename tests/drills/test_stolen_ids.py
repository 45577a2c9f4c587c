"""A conversation id alone opens nobody's data (bot/identity/proof.py, channels/proof.py).

Someone who has another person's conversation id (copied from a shared computer, a
screenshot, a log) sends messages with it over REST and over socket.io, and joins its
socket.io room. The owner's conversation goes on as before. Prints its counts."""

from __future__ import annotations

import json
import queue
import urllib.request

import socketio
from sqlalchemy import select

from bot import clock
from bot.db.models import Student
from bot.identity.tokens import ChatClaims, issue_token
from bot.vocabulary import PersonRole
from infra.db.session import session_scope
from tests.assistant import SECRET

QUESTION = "wat is mijn volgende stap"
QUIET_SECONDS = 8  # how long a socket that must hear nothing is listened to


def sanne(assistant) -> int:
    with session_scope(assistant.database_url) as session:
        return session.scalar(select(Student.id).where(Student.first_name == "Sanne"))


def token_for(student: int) -> str:
    claims = ChatClaims(PersonRole.STUDENT, student)
    return issue_token(claims, secret_key=SECRET, now=clock.now())


def say_from(assistant, address: str, sender: str, text: str) -> list[str]:
    """A REST message from a client at `address` (behind the trusted proxy 127.0.0.1)."""
    request = urllib.request.Request(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": address},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return [message["text"] for message in json.load(response) if "text" in message]


class Socket:
    """A socket.io client as the widget is: session_request, user_uttered, bot_uttered."""

    def __init__(
        self,
        assistant,
        session_id: str | None,
        *,
        proof: str | None = None,
        address: str | None = None,
    ):
        self.client = socketio.Client()
        self.heard: queue.Queue = queue.Queue()
        confirmed: queue.Queue = queue.Queue()
        self.client.on("session_confirm", confirmed.put)
        self.client.on("bot_uttered", lambda message: self.heard.put(message.get("text")))
        # A client at `address`, behind the trusted proxy 127.0.0.1.
        headers = {"X-Forwarded-For": address} if address else {}
        self.client.connect(assistant.rasa_url, transports=["polling"], headers=headers)
        if proof is not None:
            self.client.emit("chat_proof", {"token": proof})
        self.client.emit("session_request", {"session_id": session_id})
        self.session_id = confirmed.get(timeout=30)

    def say(self, text: str, token: str | None = None) -> None:
        data = {"session_id": self.session_id, "message": text}
        data["customData"] = {"chat_token": token} if token else {}
        self.client.emit("user_uttered", data)

    def replies(self, timeout: float = 60) -> list[str]:
        """What arrives until the socket has been quiet for a few seconds."""
        texts = [self.heard.get(timeout=timeout)]
        while True:
            try:
                texts.append(self.heard.get(timeout=3))
            except queue.Empty:
                return texts

    def silent_for(self, seconds: float) -> bool:
        try:
            self.heard.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        self.client.disconnect()


def test_a_rest_sender_id_without_the_token_or_address_opens_nothing(drill_assistant):
    anonymous = drill_assistant.say("drill-id-anonymous", QUESTION)
    token = token_for(sanne(drill_assistant))
    owner = drill_assistant.say("drill-id-token", QUESTION, {"chat_token": token})
    stolen = [
        drill_assistant.say("drill-id-token", QUESTION),
        drill_assistant.say("drill-id-token", QUESTION, {"chat_token": token_for(1)}),
        drill_assistant.say("drill-id-token", QUESTION, {"chat_token": token + "x"}),
    ]
    owner_again = drill_assistant.say("drill-id-token", QUESTION, {"chat_token": token})

    code = drill_assistant.issue_code(student_id=sanne(drill_assistant))
    say_from(drill_assistant, "198.51.100.7", "drill-id-code", f"mijn code is {code}")
    owner_by_code = say_from(drill_assistant, "198.51.100.7", "drill-id-code", QUESTION)
    stolen.append(say_from(drill_assistant, "203.0.113.9", "drill-id-code", QUESTION))
    stolen.append(drill_assistant.say("drill-id-code", QUESTION))  # another client, no proxy

    opened = sum(reply != anonymous for reply in stolen)
    print(f"\nConversation ids over REST: {len(stolen)} tries with a stolen id, {opened} opened")
    assert owner != anonymous and owner_again == owner and owner_by_code == owner
    assert opened == 0


def test_a_socket_with_a_stolen_session_id_hears_nothing_and_opens_nothing(drill_assistant):
    token = token_for(sanne(drill_assistant))
    owner = Socket(drill_assistant, None)
    thief = reloaded = None
    try:
        owner.say("hoi", token)
        owner.replies()
        owner.say(QUESTION, token)
        personal = owner.replies()

        thief = Socket(drill_assistant, owner.session_id)
        assert thief.session_id == owner.session_id  # confirmed, but not let in
        owner.say(QUESTION, token)
        assert owner.replies() == personal
        overheard = not thief.silent_for(QUIET_SECONDS)

        thief.say(QUESTION)
        answered_thief = thief.replies()
        owner_heard_thief = not owner.silent_for(QUIET_SECONDS)

        # The owner's page reloaded: it offers its token on connect and hears the room.
        reloaded = Socket(drill_assistant, owner.session_id, proof=token)
        owner.say(QUESTION, token)
        assert owner.replies() == personal
        assert reloaded.replies() == personal
    finally:
        for socket in (owner, thief, reloaded):
            if socket is not None:
                socket.close()
    print(
        f"\nConversation ids over socket.io: overheard {int(overheard)}, "
        f"thief answered as the owner {int(answered_thief == personal)}"
    )
    assert not overheard and not owner_heard_thief
    assert answered_thief and answered_thief != personal


def test_a_socket_that_joined_before_the_login_hears_nothing_after_it(drill_assistant):
    """Someone has the id of a conversation that is still anonymous and listens in; the
    owner then types a koppelcode (from another address). The listener hears nothing
    from then on, not even the login's own reply with the owner's name: before the bot
    says anything in a linked conversation, sockets without its proof leave the room."""
    code = drill_assistant.issue_code(student_id=sanne(drill_assistant))
    owner = Socket(drill_assistant, None, address="198.51.100.7")
    listener = None
    try:
        owner.say("hoi")
        owner.replies()
        listener = Socket(drill_assistant, owner.session_id)  # joins: nobody's yet
        owner.say(f"mijn code is {code}")
        logged_in = owner.replies()
        owner.say(QUESTION)
        personal = owner.replies()
        overheard = not listener.silent_for(QUIET_SECONDS)
    finally:
        for socket in (owner, listener):
            if socket is not None:
                socket.close()
    print(f"\nListening before the login: overheard from the login on {int(overheard)}")
    assert "Sanne" in logged_in[0] and personal and not overheard
