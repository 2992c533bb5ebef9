"""candidate postings of long k-grams; the candidate index's sketches of prose only

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 04:00:00

A check's code candidates now come from the entries' indexed long k-grams (``long_postings``,
``archive/postings.py``), written when an entry is counted in its project's statistics, and the
MinHash LSH sketches the prose alone. Archives from before hold neither, so this revision drops
their statistics (as before 0016, nothing counted): the first check or entry of a project then
sketches its entries again from the stored units, rebuilds its index and counts its statistics
and postings (``Archive.upgrade``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('archive_entries') as batch:
        batch.add_column(sa.Column('own_long', sa.Integer(), nullable=True))
    op.create_table('long_postings',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('feature', sa.BigInteger(), nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('project_id', 'feature', 'submission_id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('long_postings') as batch:
        batch.create_index(batch.f('ix_long_postings_submission_id'), ['submission_id'], unique=False)
    op.execute("DELETE FROM near_duplicate_keys")
    op.execute("DELETE FROM feature_counts")
    op.execute("DELETE FROM project_statistics")
    op.execute("UPDATE archive_entries SET stats_group = NULL, long_sketch = NULL")


def downgrade() -> None:
    with op.batch_alter_table('long_postings') as batch:
        batch.drop_index(batch.f('ix_long_postings_submission_id'))
    op.drop_table('long_postings')
    with op.batch_alter_table('archive_entries') as batch:
        batch.drop_column('own_long')
