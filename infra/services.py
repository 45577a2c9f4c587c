"""Starts and stops the three processes: action server, Rasa server and web app.

Used by `python -m bot run` and by the integration tests, so both run the assistant
the same way. Rasa is started as a subprocess; nothing here imports it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import yaml
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT, Settings
from infra.supervision import RestartPolicy, Step, Watch, next_step

# Seconds between health checks of one service, and how long one check may take.
CHECK_INTERVAL = 3.0
CHECK_TIMEOUT = 3.0
DEFAULT_RESTART_POLICY = RestartPolicy()


@dataclass
class Service:
    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    ticks: int = 0  # processor time used, at the last failed health check


def tracker_store_config(tracker_database_url: str) -> dict[str, object]:
    """Rasa's SQL tracker store settings for a SQLAlchemy URL (SQLite or PostgreSQL)."""
    url = make_url(tracker_database_url)
    config: dict[str, object] = {
        # Rasa's SQL store, storing no chat tokens (channels/tracker_store.py).
        "type": "channels.tracker_store.TokenFreeSQLTrackerStore",
        "dialect": url.drivername,
        "db": url.database,
    }
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return config
    config.update(
        {
            "url": url.host,
            "port": url.port,
            "username": url.username,
            "password": url.password,
        }
    )
    return {key: value for key, value in config.items() if value is not None}


def write_endpoints(settings: Settings, path: Path) -> Path:
    """Writes the endpoints file Rasa runs with, from the settings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    endpoints: dict[str, object] = {
        "action_endpoint": {"url": settings.action_url},
        "tracker_store": tracker_store_config(settings.tracker_database_url),
    }
    if settings.redis_url:
        # Several Rasa servers share each conversation's lock (channels/lock_store.py).
        endpoints["lock_store"] = {
            "type": "channels.lock_store.SharedLockStore",
            "url": settings.redis_url,
        }
    # It holds the database's and Redis's passwords.
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


def child_env(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": settings.database_url,
            "TRACKER_DATABASE_URL": settings.tracker_database_url,
            "SECRET_KEY": settings.secret_key,
            "RASA_TOKEN": settings.rasa_token,
            "RASA_HOST": settings.rasa_host,
            "RASA_PORT": str(settings.rasa_port),
            "ACTION_HOST": settings.action_host,
            "ACTION_PORT": str(settings.action_port),
            "WEB_HOST": settings.web_host,
            "WEB_PORT": str(settings.web_port),
            "REDIS_URL": settings.redis_url,
            "TF_CPP_MIN_LOG_LEVEL": env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONUNBUFFERED": "1",
            # Rasa reports usage and errors to its own servers unless told not to:
            # nothing leaves this machine.
            "RASA_TELEMETRY_ENABLED": "false",
            # Rasa's dependencies print pages of deprecation warnings at start-up. The
            # response selector warns that retrieval intents have no domain responses:
            # expected, as their answers come from bot/content through an action.
            "PYTHONWARNINGS": env.get(
                "PYTHONWARNINGS",
                "ignore::DeprecationWarning,ignore:Unable to fetch responses:UserWarning",
            ),
        }
    )
    env.update(extra or {})
    return env


def action_server(settings: Settings) -> Service:
    return Service(
        name="actions",
        argv=[
            sys.executable,
            "-m",
            "channels.actions_run",  # `python -m rasa_sdk` without library warnings
            "--actions",
            "actions",
            "--port",
            str(settings.action_port),
        ],
        health_url=f"http://{settings.action_host}:{settings.action_port}/health",
        # rasa_sdk binds 0.0.0.0 unless SANIC_HOST says otherwise; the webhook trusts
        # the tracker it is sent, so it must only be reachable from this machine.
        env=child_env(settings, {"SANIC_HOST": settings.action_host}),
    )


def rasa_server(settings: Settings, model: Path, endpoints: Path) -> Service:
    return Service(
        name="rasa",
        argv=[
            sys.executable,
            "-m",
            "channels.rasa_run",  # `rasa run`, with the token from RASA_TOKEN
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(PROJECT_ROOT / "credentials.yml"),
            "--interface",
            settings.rasa_host,
            "--port",
            str(settings.rasa_port),
            "--enable-api",
            "--cors",
            settings.web_url,
        ],
        health_url=f"{settings.rasa_url}/",
        env=child_env(settings),
    )


def web_app(settings: Settings) -> Service:
    return Service(
        name="web",
        argv=[sys.executable, "-m", "bot", "serve-web"],
        health_url=f"{settings.web_url}/healthz",
        env=child_env(settings),
    )


class ServiceGroup:
    """Runs services as child processes, prefixes their output, stops them together."""

    def __init__(self, services: list[Service], log: IO[str] | None = None) -> None:
        self.services = services
        self.log = log or sys.stdout
        self._lock = threading.Lock()

    def _pump(self, service: Service) -> None:
        assert service.process and service.process.stdout
        for line in service.process.stdout:
            with self._lock:
                self.log.write(f"[{service.name:7}] {line}")
                self.log.flush()

    def _spawn(self, service: Service) -> None:
        service.process = subprocess.Popen(
            service.argv,
            cwd=PROJECT_ROOT,
            env=service.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Own process group: Ctrl-C reaches only the launcher, which stops
            # the children in order instead of each dying mid-request.
            start_new_session=True,
        )
        threading.Thread(target=self._pump, args=(service,), daemon=True).start()

    def start(self) -> None:
        for service in self.services:
            self._spawn(service)

    def _say(self, text: str) -> None:
        with self._lock:
            self.log.write(f"[{'watch':7}] {text}\n")
            self.log.flush()

    def supervise(
        self,
        stop_requested: Callable[[], bool],
        policy: RestartPolicy = DEFAULT_RESTART_POLICY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Keeps every service up until a stop is requested: one that exits, or that
        fails its health checks, is restarted with backoff while the others go on."""
        now = clock()
        watches = {
            service.name: Watch(started_at=now, healthy_since=now) for service in self.services
        }
        checks: dict[str, Future[bool]] = {}
        last_check = {service.name: now for service in self.services}
        with ThreadPoolExecutor(max_workers=len(self.services)) as pool:
            while not stop_requested():
                now = clock()
                for service in self.services:
                    watches[service.name] = self._supervise_one(
                        service, watches[service.name], checks, last_check, pool, now, policy
                    )
                time.sleep(0.5)

    def _supervise_one(
        self,
        service: Service,
        watch: Watch,
        checks: dict[str, Future[bool]],
        last_check: dict[str, float],
        pool: ThreadPoolExecutor,
        now: float,
        policy: RestartPolicy,
    ) -> Watch:
        healthy = None
        running = checks.get(service.name)
        if running is not None and running.done():
            healthy = running.result()
            del checks[service.name]
        elif running is None and now - last_check[service.name] >= CHECK_INTERVAL:
            checks[service.name] = pool.submit(is_healthy, service.health_url, CHECK_TIMEOUT)
            last_check[service.name] = now
        exited = service.process is None or service.process.poll() is not None
        was_down = watch.down_since is not None
        busy = False
        if healthy is False and service.process is not None:
            ticks = processor_ticks(service.process.pid)
            busy = ticks is not None and ticks > service.ticks
            service.ticks = ticks or 0
        watch, step = next_step(
            watch, now=now, exited=exited, healthy=healthy, policy=policy, busy=busy
        )
        if step is Step.KILL:
            self._say(f"{service.name} does not answer; restarting it.")
            self._stop_one(service, grace=5.0)
        elif step in (Step.WAIT, Step.START) and not was_down:
            code = service.process.returncode if service.process else None
            self._say(f"{service.name} stopped (exit code {code}); starting it again.")
        if step is Step.START:
            self._spawn(service)
            checks.pop(service.name, None)
            watch = watch.restarted(now)
        if healthy and watch.restarts_in_a_row and watch.healthy_since == now:
            self._say(f"{service.name} is back.")
        return watch

    def wait_until_healthy(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.services)
        while pending:
            for service in list(pending):
                if service.process and service.process.poll() is not None:
                    raise RuntimeError(
                        f"{service.name} stopped during start-up "
                        f"(exit code {service.process.returncode})"
                    )
                if is_healthy(service.health_url):
                    pending.remove(service)
            if pending and time.monotonic() > deadline:
                names = ", ".join(service.name for service in pending)
                raise TimeoutError(f"not healthy after {timeout:.0f}s: {names}")
            time.sleep(0.5)

    def _stop_one(self, service: Service, grace: float) -> None:
        if not service.process or service.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(service.process.pid, signal.SIGTERM)
        try:
            service.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()

    def stop(self, grace: float = 15.0) -> None:
        for service in reversed(self.services):
            if service.process and service.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(service.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in self.services:
            if not service.process:
                continue
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(service.process.pid, signal.SIGKILL)
                service.process.wait()


def processor_ticks(pid: int) -> int | None:
    """Processor time a running process has used (user + system, in clock ticks);
    None when it is gone or stopped (a stopped process does no work)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in {"T", "t", "Z"}:
        return None
    return int(fields[11]) + int(fields[12])


def is_healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False
