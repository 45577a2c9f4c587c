"""transcript purges: durable removal of stored conversations after an erasure

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transcript_purges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_purges")),
    )
    with op.batch_alter_table("transcript_purges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transcript_purges_conversation_id"), ["conversation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("transcript_purges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcript_purges_conversation_id"))
    op.drop_table("transcript_purges")
