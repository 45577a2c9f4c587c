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


def test_a_planted_folder_or_link_is_refused_for_a_servers_files(tmp_path):
    import os

    from infra.scratch.programs import owned_folder

    user = pwd_name(os.geteuid())
    made = owned_folder(tmp_path / "made", user, user_group(os.getegid()))
    assert made.is_dir() and (made.stat().st_mode & 0o777) == 0o700
    assert owned_folder(made, user, user_group(os.getegid())) == made  # found again
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "planted").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RuntimeError, match="not a folder of"):
        owned_folder(tmp_path / "planted", user, user_group(os.getegid()))
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(RuntimeError):
        owned_folder(tmp_path / "a-file", user, user_group(os.getegid()))


def pwd_name(uid: int) -> str:
    import pwd

    return pwd.getpwuid(uid).pw_name


def user_group(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def test_nginx_passes_the_clients_address_to_every_upstream(tmp_path):
    from infra.scratch.nginx import Upstreams, nginx_config

    config = nginx_config(Upstreams(8080, (5005, 5006), 8081), tmp_path, as_root=False)
    socket_location = config.split("location /socket.io/ {", 1)[1].split("}", 1)[0]
    # Its own proxy_set_header lines mean it inherits none: each must be there.
    for header in ("Host $http_host", "X-Forwarded-For $remote_addr", "X-Forwarded-Proto"):
        assert f"proxy_set_header {header}" in socket_location
        assert f"proxy_set_header {header}" in config.split("server {", 1)[0]
    assert "hash $route consistent" in config and "hash $rest_conversation consistent" in config
