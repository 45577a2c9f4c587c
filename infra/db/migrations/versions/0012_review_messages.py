"""messages the bot misunderstood, for coordinators to label

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 14:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "review_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "reason", _enum("review_reason", "asked_back", "fallback", "corrected"), nullable=False
        ),
        sa.Column("guesses", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            _enum("review_status", "open", "labelled", "dismissed", "exported"),
            nullable=False,
        ),
        sa.Column("label", sa.String(100), nullable=True),
        sa.Column("labelled_by_id", sa.Integer(), nullable=True),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_review_messages_region_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["labelled_by_id"],
            ["coordinators.id"],
            name=op.f("fk_review_messages_labelled_by_id_coordinators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_messages")),
    )
    op.create_index(
        op.f("ix_review_messages_conversation_id"), "review_messages", ["conversation_id"]
    )
    op.create_index(op.f("ix_review_messages_region_id"), "review_messages", ["region_id"])
    op.create_index(op.f("ix_review_messages_status"), "review_messages", ["status"])


def downgrade() -> None:
    op.drop_table("review_messages")
