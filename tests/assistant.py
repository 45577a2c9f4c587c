"""Starts the whole assistant once per test session, exactly as `make run` does:
`python -m bot run` with a real Rasa server, action server and web app on free
loopback ports, and its own seeded databases: SQLite files, or with
TEST_DATABASE=postgresql the parts of a cluster (docs/deployment.md) on scratch servers
of its own (infra/scratch): PostgreSQL for both databases, and Redis for Rasa's lock
store and the socket.io messages. The
integration and browser tests share it (tests/conftest.py makes the fixture visible to
both)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import clock
from bot.db.models import Student
from bot.demo.seed import seed_demo
from bot.identity.linking import issue_code
from bot.identity.links import link_conversation
from bot.identity.proof import address_proof
from bot.identity.throttle import private_key
from bot.settings import PROJECT_ROOT, Settings, load_settings
from bot.vocabulary import LinkMethod
from infra.db.migrate import upgrade
from infra.db.session import session_scope
from infra.scratch.postgres import ScratchPostgres, start_postgres
from infra.scratch.redis import ScratchRedis, start_redis
from infra.services import is_healthy
from tests.mailbox import Mailbox

MODEL = PROJECT_ROOT / "models" / "toptraject.tar.gz"
SECRET = "integration-secret-long-enough-for-hs256"
TOKEN = "integration-token"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that stop the shared assistant run last, whatever file they are in; just
    before them, the tests that use up this address's tries (all requests come from
    127.0.0.1, so one client address)."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("stops_assistant") is not None,
            item.get_closest_marker("uses_up_limits") is not None,
        )
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebhookReceiver:
    """A real HTTP server standing in for a school's Teams, Slack or mail gateway."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        # A drill may make the gateway fail (status 500) or slow (delay in seconds).
        self.status = 200
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, delay = receiver.status, receiver.delay
                receiver.posts.append(
                    {
                        "key": self.headers.get("Idempotency-Key"),
                        "body": json.loads(self.rfile.read(length) or b"{}"),
                        "status": status,
                        "delay": delay,
                    }
                )
                time.sleep(delay)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate, timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [post for post in self.posts if predicate(post)]
            if found:
                return found
            time.sleep(0.5)
        return []


@dataclass
class Assistant:
    process: subprocess.Popen
    log_path: Path
    database_url: str
    tracker_database_url: str
    rasa_url: str
    action_url: str
    web_url: str
    webhook: WebhookReceiver
    mailbox: Mailbox
    env: dict[str, str]
    postgres: ScratchPostgres | None = None
    redis: ScratchRedis | None = None
    # A cluster (`python -m bot cluster`): where its processes listen (infra/cluster.py).
    plan: dict | None = None

    @property
    def rasa_urls(self) -> list[str]:
        """Each Rasa server's own address (one, or one per cluster instance)."""
        if self.plan is None:
            return [self.rasa_url]
        return [f"http://127.0.0.1:{i['rasa_port']}" for i in self.plan["instances"]]

    @property
    def settings(self) -> Settings:
        """The settings the assistant runs with, for calling bot/ code against it."""
        return load_settings(self.env)

    @property
    def health_urls(self) -> list[str]:
        if self.plan is None:
            return [f"{self.rasa_url}/", f"{self.action_url}/health", f"{self.web_url}/healthz"]
        return [
            f"{self.web_url}/nginx-healthz",
            f"{self.web_url}/healthz",
            *(f"{url}/" for url in self.rasa_urls),
            *(f"http://127.0.0.1:{i['action_port']}/health" for i in self.plan["instances"]),
        ]

    def link(
        self, conversation_id: str, *, student_id: int | None = None, guardian_id: int | None = None
    ) -> None:
        """Links a conversation as a koppelcode typed from this machine does: the link's
        proof is the client key of 127.0.0.1, where every test client talks from
        (bot/identity/proof.py)."""
        with session_scope(self.database_url) as session:
            link_conversation(
                session,
                conversation_id,
                via=LinkMethod.CODE,
                student_id=student_id,
                guardian_id=guardian_id,
                proof=address_proof(private_key("address", "127.0.0.1", SECRET)),
            )

    def send(self, sender: str, text: str, metadata: dict | None = None) -> list[dict]:
        """Sends one message over Rasa's REST channel; returns the bot's messages."""
        body = {"sender": sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status == 200
            return json.load(response)

    def say(self, sender: str, text: str, metadata: dict | None = None) -> list[str]:
        """Sends one message; returns the texts of the bot's replies."""
        replies = self.send(sender, text, metadata)
        return [message["text"] for message in replies if "text" in message]

    def tracker(self, sender: str) -> dict:
        """The conversation as Rasa stores it (HTTP API, with the token)."""
        query = urllib.parse.urlencode({"token": TOKEN})
        url = f"{self.rasa_url}/conversations/{urllib.parse.quote(sender)}/tracker?{query}"
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)

    def new_student(self, first_name: str) -> int:
        """A student of their own (in Sanne's school and phase), so tests do not share
        goals, check-ins and handoffs."""
        with session_scope(self.database_url) as session:
            sanne = session.scalar(select(Student).where(Student.first_name == "Sanne"))
            student = Student(
                first_name=first_name,
                last_name="Test",
                birth_date=date(2010, 5, 1),
                school_id=sanne.school_id,
                route_id=sanne.route_id,
                phase_id=sanne.phase_id,
                phase_started_on=sanne.phase_started_on,
            )
            session.add(student)
            session.flush()
            return student.id

    def issue_code(self, *, student_id: int | None = None, guardian_id: int | None = None) -> str:
        with session_scope(self.database_url) as session:
            return issue_code(
                session,
                secret_key=SECRET,
                now=clock.now(),
                student_id=student_id,
                guardian_id=guardian_id,
            )

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class AssistantStartError(RuntimeError):
    """The assistant did not come up; the message holds the end of its log."""


def database_kind() -> str:
    """The database the tests run the assistant on: TEST_DATABASE, sqlite by default."""
    kind = os.environ.get("TEST_DATABASE", "sqlite")
    if kind not in ("sqlite", "postgresql"):
        raise AssistantStartError(f"TEST_DATABASE must be sqlite or postgresql, not {kind!r}")
    return kind


def start_assistant(
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    database: str | None = None,
    instances: int | None = None,
    model: Path = MODEL,
) -> Assistant:
    """Starts `python -m bot run` with fresh, seeded databases in `workdir` on free ports,
    and waits until all three processes answer. The integration and browser tests and
    the blind benchmark (bench/blind_eval.py) all start it this way. With `instances`,
    `python -m bot cluster` instead (on PostgreSQL and Redis): the assistant's Rasa and
    web addresses are then nginx's."""
    if not model.exists():
        raise AssistantStartError(f"no trained model at {model}; `make train` trains it first")
    postgres = redis = None
    cluster_parts: dict[str, str] = {}
    if instances or (database or database_kind()) == "postgresql":
        postgres = start_postgres(workdir, durable=False)
        database_url = postgres.create_database("toptraject", fresh=True)
        tracker_database_url = postgres.create_database("tracker", fresh=True)
        redis = start_redis(workdir / "redis")
        cluster_parts["REDIS_URL"] = redis.url()
    else:
        database_url = f"sqlite:///{workdir / 'toptraject.db'}"
        tracker_database_url = f"sqlite:///{workdir / 'tracker.db'}"
    upgrade(database_url)
    with session_scope(database_url) as session:
        seed_demo(session, SECRET)

    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT")}
    webhook = WebhookReceiver()
    mailbox = Mailbox()
    env = dict(os.environ)
    env.update({name: str(port) for name, port in ports.items()})
    env.update(
        {
            "DATABASE_URL": database_url,
            "TRACKER_DATABASE_URL": tracker_database_url,
            "SECRET_KEY": SECRET,
            "RASA_TOKEN": TOKEN,
            # Tests make their own nudges; the hourly job would add some at random.
            "NUDGE_EVERY_MINUTES": "0",
            "CAMPAIGN_EVERY_MINUTES": "0",
            "NOTIFY_WEBHOOK_URL": webhook.url,
            # Mail to coordinators goes to a real SMTP server in this process.
            **mailbox.env,
            # A database call on a serving event loop fails loudly (infra/db/session.py).
            "DB_ON_EVENT_LOOP": "refuse",
            **cluster_parts,
            **(extra_env or {}),
        }
    )
    log_path = workdir / "assistant.log"
    command = ["run"] if not instances else ["cluster", "--instances", str(instances)]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                *command,
                "--model",
                str(model),
                "--runtime-dir",
                str(workdir),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Assistant(
        process=process,
        log_path=log_path,
        database_url=database_url,
        tracker_database_url=tracker_database_url,
        rasa_url=f"http://127.0.0.1:{ports['RASA_PORT']}",
        action_url=f"http://127.0.0.1:{ports['ACTION_PORT']}",
        web_url=f"http://127.0.0.1:{ports['WEB_PORT']}",
        webhook=webhook,
        mailbox=mailbox,
        env=env,
        postgres=postgres,
        redis=redis,
    )
    if instances:
        # Everything behind nginx, which listens on WEB_PORT.
        running.rasa_url = running.web_url
    plan_path = workdir / "cluster" / "plan.json"
    deadline = time.monotonic() + 400
    while not all(is_healthy(url) for url in running.health_urls):
        if instances and running.plan is None and plan_path.exists():
            running.plan = json.loads(plan_path.read_text())
            running.action_url = f"http://127.0.0.1:{running.plan['instances'][0]['action_port']}"
        if process.poll() is not None or time.monotonic() > deadline:
            why = "stopped during start-up" if process.poll() is not None else "did not start"
            log = running.log_tail()
            stop_assistant(running)
            raise AssistantStartError(f"the assistant {why}:\n{log}")
        time.sleep(1)
    return running


def stop_assistant(running: Assistant) -> None:
    process = running.process
    if process.poll() is None:
        # The launcher stops its children itself; SIGKILL only if it hangs.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    running.webhook.server.shutdown()
    running.mailbox.stop()
    if running.postgres is not None:
        running.postgres.remove()
    if running.redis is not None:
        running.redis.stop()


# How each service shows in its command line.
SERVICE_MARKS = {"actions": "channels.actions_run", "rasa": "channels.rasa_run", "web": "serve-web"}


def _child_pid(assistant: Assistant, marks: tuple[bytes, ...], what: str) -> int:
    """The process id of the launcher's child whose command line holds every mark."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes() + b"\0"
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == assistant.process.pid and all(mark in cmdline for mark in marks):
            return int(entry.name)
    raise LookupError(f"no running {what}")


def service_pid(assistant: Assistant, service: str) -> int:
    """The process id of one of the launcher's children, by its command line."""
    return _child_pid(assistant, (SERVICE_MARKS[service].encode(),), f"{service} process")


def instance_pid(assistant: Assistant, service: str, number: int) -> int:
    """The process of a cluster's Rasa server or action server `number` (1, 2, ...)."""
    instance = assistant.plan["instances"][number - 1]
    marks = {
        "rasa": (b"channels.rasa_run", f"endpoints-{number}.yml".encode()),
        "actions": (b"channels.actions_run", f"\0{instance['action_port']}\0".encode()),
    }[service]
    return _child_pid(assistant, marks, f"{service} server {number}")


# Every test client is 127.0.0.1: one address for hundreds of conversations, so the
# limits per address are raised for the integration tests and the blind benchmark.
# The drills (tests/drills/) run with the real limits and test them.
ONE_ADDRESS_FOR_ALL = {"CODE_TRIES_PER_ADDRESS": "100000", "HANDOFFS_PER_ADDRESS": "100000"}


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory):
    try:
        running = start_assistant(tmp_path_factory.mktemp("assistant"), ONE_ADDRESS_FOR_ALL)
    except AssistantStartError as failure:
        pytest.fail(str(failure))
    yield running
    stop_assistant(running)
