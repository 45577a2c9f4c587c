"""The database engine, a session per unit of work, retries on a locked database, and
the Alembic migrations of the domain tables (bot/db/models.py)."""
