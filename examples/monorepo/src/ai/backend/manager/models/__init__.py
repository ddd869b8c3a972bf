"""The manager's database models; the alembic environment lives in `alembic/`."""
