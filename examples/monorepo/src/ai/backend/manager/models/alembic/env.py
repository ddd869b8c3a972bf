"""Alembic environment of the manager: the database URL comes from `-x db=URL` or `sqlalchemy.url`."""

from __future__ import annotations

from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, event, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

url = context.get_x_argument(as_dictionary=True).get("db") or config.get_main_option("sqlalchemy.url")
if url.startswith("sqlite:///"):
    Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)

engine = create_engine(url, poolclass=pool.NullPool)
if engine.dialect.name == "sqlite":
    # pysqlite commits each CREATE/DROP at once: a migration stopped halfway (Ctrl-C, a killed
    # `topic-switch` step) would leave its first tables without its revision, and a re-run would
    # fail on them. Let SQLAlchemy emit BEGIN itself, so the whole migration rolls back instead.
    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")


with engine.connect() as connection:
    context.configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()
