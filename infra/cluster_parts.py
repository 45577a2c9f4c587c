"""PostgreSQL and Redis for `python -m bot cluster`: the ones the environment names
(DATABASE_URL, TRACKER_DATABASE_URL, REDIS_URL), or on a laptop scratch servers of
the project's own (infra/scratch), which keep their data in the cluster's folder between
runs and are stopped with the cluster."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import ConfigurationError, Settings
from infra.db.migrate import upgrade
from infra.scratch.postgres import start_postgres
from infra.scratch.redis import start_redis


def _on_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


@contextmanager
def cluster_parts(settings: Settings, folder: Path) -> Iterator[Settings]:
    """The settings with the cluster's databases and Redis, migrated (and seeded with the
    demo region when the databases are the scratch server's)."""
    stops: list[Callable[[], None]] = []
    try:
        scratch_database = _on_sqlite(settings.database_url)
        if scratch_database != _on_sqlite(settings.tracker_database_url):
            raise ConfigurationError(
                "A cluster keeps both databases on PostgreSQL: set DATABASE_URL and "
                "TRACKER_DATABASE_URL both, or neither (a scratch server)."
            )
        if scratch_database:
            postgres = start_postgres(folder)
            stops.append(postgres.stop)
            settings = dataclasses.replace(
                settings,
                database_url=postgres.create_database("toptraject"),
                tracker_database_url=postgres.create_database("tracker"),
            )
            print(f"PostgreSQL (scratch, port {postgres.port}): data in {postgres.home}")
        if not settings.redis_url:
            redis = start_redis(folder / "redis")
            stops.append(redis.stop)
            settings = dataclasses.replace(settings, redis_url=redis.url())
            print(f"Redis (scratch, port {redis.port})")
        upgrade(settings.database_url)
        if scratch_database:
            from bot.demo.seed import seed_demo
            from infra.db.session import session_scope

            with session_scope(settings.database_url) as session:
                seed_demo(session, settings.secret_key)
        yield settings
    finally:
        for stop in reversed(stops):
            stop()
