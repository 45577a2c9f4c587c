"""The drills run against an assistant of their own, set up to show a fault within
seconds: a shorter action timeout and quick outbox retries. Its processes are found
through /proc (tests/assistant.py::service_pid) to pause or kill them."""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest

from infra.services import is_healthy
from tests.assistant import (
    Assistant,
    AssistantStartError,
    service_pid,
    start_assistant,
    stop_assistant,
)

DRILL_ENV = {
    # Above the two tries of a check-in on a locked database (2 x 5 s + 1 s).
    "ACTION_TIMEOUT_SECONDS": "12",
    "OUTBOX_FIRST_RETRY_SECONDS": "1",
    "OUTBOX_TIMEOUT_SECONDS": "2",
    # Test clients may name an address (X-Forwarded-For), as behind a reverse proxy.
    "TRUSTED_PROXIES": "127.0.0.1",
}


@pytest.fixture(scope="session")
def drill_assistant(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("drills")
    try:
        running = start_assistant(workdir, {**DRILL_ENV, "KEPT_DIR": str(workdir / "kept")})
    except AssistantStartError as failure:
        pytest.fail(str(failure))
    yield running
    stop_assistant(running)


def signal_service(assistant: Assistant, service: str, signum: int) -> int:
    pid = service_pid(assistant, service)
    os.killpg(pid, signum)
    return pid


def wait_until_back(assistant: Assistant, old_pid: int, service: str, timeout: float) -> float:
    """Seconds until the service runs as a new process and answers its health check."""
    started = time.monotonic()
    url = dict(zip(("rasa", "actions", "web"), assistant.health_urls, strict=True))[service]
    while time.monotonic() - started < timeout:
        try:
            if service_pid(assistant, service) != old_pid and is_healthy(url):
                return time.monotonic() - started
        except LookupError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{service} was not back within {timeout:.0f} s")


def resume(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGCONT)
