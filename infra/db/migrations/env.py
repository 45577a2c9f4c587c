"""Alembic environment: uses the connection handed over by infra.db.migrate."""

from __future__ import annotations

from alembic import context

from bot.db.models import metadata
from infra.db.session import get_engine

config = context.config


def run_migrations(connection) -> None:  # noqa: ANN001 - SQLAlchemy connection
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite can only change tables by copying them; batch mode does that.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    with get_engine(config.attributes["database_url"]).begin() as new_connection:
        run_migrations(new_connection)
