"""entries' content keys: the project's background sample is read in their order

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 04:00:00

The code part of the similarity reads a pair's containment above its population's background,
the median over the pairs of a sample of independent groups drawn by content key
(``score.background_rows``). A check reads the archive's sample in the order of
``archive_entries.content_key``, which counting now sets; this revision fills it for the
entries already counted from their profiles (the key follows the profile's six 8-byte header
values), so nothing is counted again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTERs, not a batch: SQLite's batch copies the table, which the postings' foreign
    # key to it forbids.
    op.add_column('archive_entries', sa.Column('content_key', sa.LargeBinary(length=16), nullable=True))
    op.create_index('ix_archive_entries_content_key', 'archive_entries', ['project_id', 'content_key'], unique=False)
    key = ("substr(p.data, 49, 16)" if op.get_bind().dialect.name == "sqlite"
           else "substring(p.data from 49 for 16)")
    op.execute("UPDATE archive_entries SET content_key = "
               f"(SELECT {key} FROM entry_profiles p WHERE p.submission_id = archive_entries.submission_id) "
               "WHERE stats_group IS NOT NULL")


def downgrade() -> None:
    op.drop_index('ix_archive_entries_content_key', table_name='archive_entries')
    op.drop_column('archive_entries', 'content_key')
