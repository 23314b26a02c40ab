"""Alembic environment of the task API: online migrations only, over
psycopg2 with the connection taken from libpq's PG* environment variables
(the compose file sets them), so no URL and no password is written down."""
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)


def run_migrations_online():
    # An empty URL: psycopg2 hands libpq an empty conninfo, which reads PG*.
    engine = sa.create_engine("postgresql+psycopg2://", poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not set up for this app")
run_migrations_online()
