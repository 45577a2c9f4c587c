"""A PostgreSQL server of the project's own in a scratch folder (Debian's postgresql
package): `initdb` once, `pg_ctl start` on a free loopback port with a password, and
`pg_ctl stop` at the end. No system service, no Unix socket.

PostgreSQL refuses to run as root. Run as root (CI), the server runs as Debian's
`postgres` user, in a folder that user owns under /var/tmp, named after the project's
folder so a second start finds the same data: a folder made by mktemp (0700) could not
be entered by that user.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from infra.scratch.ports import free_port
from infra.scratch.programs import find_program, log_tail, owned_folder

USER = "toptraject"
SERVICE_USER = "postgres"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


def _plain(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain database name: {name!r}")
    return name


def _program(name: str) -> str:
    return find_program(name, "postgresql", also_in=("/usr/lib/postgresql/*/bin",))


def _as_root() -> bool:
    return os.geteuid() == 0


def _run_as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", SERVICE_USER, "--", *argv] if _as_root() else argv


def home_for(folder: Path) -> Path:
    """Where the server's files live for a scratch folder."""
    if not _as_root():
        return folder / "postgres"
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"toptraject-postgres-{digest}"


def _owned_by_server_user(path: Path) -> None:
    if _as_root():
        owned_folder(path, SERVICE_USER, SERVICE_USER)
    else:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)


@dataclass
class ScratchPostgres:
    home: Path
    port: int
    password: str
    durable: bool = True

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def log_path(self) -> Path:
        return self.home / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _admin(self):  # noqa: ANN202 - a psycopg2 connection
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=USER, password=self.password, dbname="postgres"
        )
        connection.autocommit = True
        return connection

    def _execute(self, *statements: tuple[str, tuple]) -> list[tuple]:
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                rows = []
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
                    rows = cursor.fetchall() if cursor.description else []
                return rows
        finally:
            connection.close()

    def create_database(
        self, name: str, *, fresh: bool = False, template: str | None = None
    ) -> str:
        """Creates a database unless it is there (dropping it first when fresh), empty
        or as a copy of `template`; returns its URL."""
        if fresh:
            self.drop_database(name)
        exists = self._execute(("SELECT 1 FROM pg_database WHERE datname = %s", (name,)))
        if not exists:
            copy = f' TEMPLATE "{_plain(template)}"' if template else ""
            self._execute((f'CREATE DATABASE "{_plain(name)}"{copy}', ()))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drops a database, ending its connections."""
        self._execute((f'DROP DATABASE IF EXISTS "{_plain(name)}" WITH (FORCE)', ()))

    def start(self) -> None:
        """Starts the server on its port and waits until it takes connections."""
        settings = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={self.port}",
            "-c unix_socket_directories=''",
            # Several Rasa servers, action servers and web apps, each with its pools.
            "-c max_connections=300",
            "-c shared_buffers=128MB",
        ]
        if not self.durable:
            settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        result = subprocess.run(
            _run_as_server_user(
                [
                    _program("pg_ctl"),
                    "start",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log_path),
                    "-o",
                    " ".join(settings),
                    "-w",
                    "-t",
                    "60",
                ]
            ),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            log = log_tail(self.log_path)
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stderr}\n{log}")

    def running(self) -> bool:
        status = subprocess.run(
            _run_as_server_user([_program("pg_ctl"), "status", "-D", str(self.data)]),
            capture_output=True,
            text=True,
        )
        return status.returncode == 0

    def stop(self) -> None:
        """Stops the server: open connections are ended, the data stays."""
        if not (self.data / "postmaster.pid").exists():
            return
        subprocess.run(
            _run_as_server_user(
                [_program("pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "60"]
            ),
            capture_output=True,
            text=True,
        )

    def remove(self) -> None:
        """Stops the server and deletes its files (a test's scratch server)."""
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def _init(home: Path) -> str:
    password = secrets.token_urlsafe(24)
    _owned_by_server_user(home)
    secret = home / "password"
    with os.fdopen(os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(password + "\n")
    if _as_root():
        shutil.chown(secret, SERVICE_USER, SERVICE_USER)
    result = subprocess.run(
        _run_as_server_user(
            [
                _program("initdb"),
                "--pgdata",
                str(home / "data"),
                "--username",
                USER,
                "--pwfile",
                str(secret),
                "--auth-host",
                "scram-sha-256",
                "--auth-local",
                "reject",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
            ]
        ),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        shutil.rmtree(home / "data", ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
    return password


def start_postgres(
    folder: Path, *, port: int | None = None, durable: bool = True
) -> ScratchPostgres:
    """Starts the scratch server for `folder` (made at the first start) and returns it.
    A server of the same folder left running by an earlier run is stopped first, so the
    new one has the port asked for. `durable=False` (tests) skips waiting for the disk:
    a crash of the machine may lose the last commits."""
    home = home_for(folder)
    _owned_by_server_user(home)  # made now, or checked to be the one made before
    if (home / "data" / "PG_VERSION").exists():
        password = (home / "password").read_text(encoding="utf-8").strip()
    else:
        password = _init(home)
    server = ScratchPostgres(
        home=home, port=port or free_port(), password=password, durable=durable
    )
    server.stop()
    server.start()
    return server
