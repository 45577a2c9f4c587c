"""Runs the Alembic migrations from code, so `python -m bot init-db` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.settings import load_settings
from infra.db.session import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url or load_settings().database_url
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    config = alembic_config(database_url)
    with get_engine(config.attributes["database_url"]).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(database_url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(database_url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
