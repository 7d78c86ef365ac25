"""Persistence: SQLAlchemy 2 models, sessions, migrations, and the durable job queue."""
