"""Add a nullable note to items.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A nullable column with no default: instant on PostgreSQL, and a release that does not know
# it (1.0.0) keeps reading and writing items as before.
bluegreen_change = "expand"


def upgrade() -> None:
    """Add items.note."""
    op.add_column("items", sa.Column("note", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    """Drop items.note."""
    op.drop_column("items", "note")
