"""Alembic environment of the manager: the database URL comes from `-x db=URL` or `sqlalchemy.url`."""

from __future__ import annotations

from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

url = context.get_x_argument(as_dictionary=True).get("db") or config.get_main_option("sqlalchemy.url")
if url.startswith("sqlite:///"):
    Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)

with create_engine(url, poolclass=pool.NullPool).connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
