"""entries' profiles: what a check scores a candidate by, without its units

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 01:30:00

A check read every candidate's units (half a million at 20,000 entries) to score it; it now
reads one row per candidate (``entry_profiles``, ``originality/profile.py``), written when an
entry is counted in its project's statistics, and the units of the pairs it aligns alone.
Archives from before have no profiles, so this revision drops their statistics, as 0017 did:
the first check or entry of a project then counts its entries again from the stored units,
writing their profiles (``Archive.upgrade``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('entry_profiles',
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('submission_id')
    )
    op.execute("DELETE FROM long_postings")
    op.execute("DELETE FROM near_duplicate_keys")
    op.execute("DELETE FROM feature_counts")
    op.execute("DELETE FROM project_statistics")
    op.execute("UPDATE archive_entries SET stats_group = NULL, long_sketch = NULL, own_long = NULL")


def downgrade() -> None:
    op.drop_table('entry_profiles')
