"""A Redis server of the project's own (Debian's redis-server) in a scratch folder: on a
free loopback port, with a password, keeping nothing on disk (it holds Rasa's
conversation locks and the chat's messages between servers, nothing that must outlive
it). Stopped with SIGTERM."""

from __future__ import annotations

import contextlib
import secrets
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from infra.scratch.ports import free_port, wait_for_port
from infra.scratch.programs import find_program, log_tail


@dataclass
class ScratchRedis:
    folder: Path
    port: int
    password: str
    process: subprocess.Popen | None = None

    def url(self, database: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{database}"

    @property
    def log_path(self) -> Path:
        return self.folder / "redis.log"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "redis.conf"  # it holds the password
        config.touch(mode=0o600)
        config.chmod(0o600)
        config.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    "protected-mode yes",
                    f"requirepass {self.password}",
                    'save ""',
                    "appendonly no",
                    f"dir {self.folder}",
                    f"logfile {self.log_path}",
                    "daemonize no",
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [find_program("redis-server", "redis-server"), str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for_port(self.port, timeout=30, alive=lambda: self.process.poll() is None)
        except (RuntimeError, TimeoutError) as error:
            log = log_tail(self.log_path)
            self.stop()
            raise RuntimeError(f"Redis did not start: {error}\n{log}") from error

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait()


def start_redis(folder: Path, *, port: int | None = None) -> ScratchRedis:
    server = ScratchRedis(
        folder=folder, port=port or free_port(), password=secrets.token_urlsafe(24)
    )
    server.start()
    return server
