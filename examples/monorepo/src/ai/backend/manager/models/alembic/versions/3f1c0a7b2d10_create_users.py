"""Create the users table.

Revision ID: 3f1c0a7b2d10
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "3f1c0a7b2d10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("users")
