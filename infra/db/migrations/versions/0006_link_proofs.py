"""conversation links hold what later messages must prove (a conversation id alone
no longer opens a link)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proof", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_links", schema=None) as batch_op:
        batch_op.drop_column("proof")
