"""blobs: uploads kept in the database, which every machine reads

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:30:00

Used when the database is the blob store (ORIGINALITY_BLOB_STORE, "auto" on PostgreSQL).
Uploads already kept in a data dir are copied in by `originality archive copy-uploads`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    if op.get_bind().dialect.name == "postgresql":
        # ZIPs are compressed already: TOAST's own compression would only cost time.
        op.execute("ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table('blobs')
