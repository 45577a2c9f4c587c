"""The project's own servers from Debian's packages (infra/scratch), started for real."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from infra.scratch.postgres import home_for, start_postgres
from infra.scratch.programs import ProgramMissingError, find_program


def test_a_missing_program_names_its_package_and_how_to_install_it():
    with pytest.raises(ProgramMissingError) as missing:
        find_program("no-such-server-x9", "no-such-package", also_in=("/nonexistent/*/bin",))
    assert "no-such-package" in str(missing.value)
    assert "make services" in str(missing.value)


def test_postgres_starts_keeps_its_data_over_a_restart_and_stops(tmp_path):
    server = start_postgres(tmp_path)
    try:
        url = server.create_database("kept")
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE notes (body text)"))
            connection.execute(sa.text("INSERT INTO notes VALUES ('nog hier')"))
        engine.dispose()
        server.stop()
        assert not server.running()
        with pytest.raises(OperationalError):
            sa.create_engine(url).connect()

        again = start_postgres(tmp_path)  # the same folder: the same data and password
        assert again.home == server.home == home_for(tmp_path)
        engine = sa.create_engine(again.create_database("kept"))
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT body FROM notes")).scalar() == "nog hier"
            # Loopback only, no Unix socket.
            assert connection.execute(sa.text("SHOW listen_addresses")).scalar() == "127.0.0.1"
            assert connection.execute(sa.text("SHOW unix_socket_directories")).scalar() == ""
        engine.dispose()
        wrong = again.url("kept").replace(again.password, "wrong")
        with pytest.raises(OperationalError):
            sa.create_engine(wrong).connect()
    finally:
        server.remove()
    assert not server.home.exists()
