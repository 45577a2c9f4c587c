"""Database access: models, sessions, migrations and the demo seed."""
