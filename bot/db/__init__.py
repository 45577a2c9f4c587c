"""The domain's tables (SQLAlchemy models). Engine, sessions and migrations: infra/db."""
