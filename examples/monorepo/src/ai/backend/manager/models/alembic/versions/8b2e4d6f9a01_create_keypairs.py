"""Create the keypairs table.

Revision ID: 8b2e4d6f9a01
Revises: 3f1c0a7b2d10
"""

import sqlalchemy as sa
from alembic import op

revision = "8b2e4d6f9a01"
down_revision = "3f1c0a7b2d10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keypairs",
        sa.Column("access_key", sa.String(20), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("keypairs")
