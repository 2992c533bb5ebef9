"""sampled entries' winnowed long k-grams outside the sample, for uploads with few of their own

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 13:30:00

A check finds its code candidates by the entries' posted long k-grams, a quarter of them for an
entry with 80 or more (``archive/postings.py``). An upload with fewer than 80 could share only a
handful with a larger entry, none of them in its sample: a 13-line program that lies inside
ninety others found none of them in one upload order of java-pairs. The sampled entries'
winnowed k-grams outside the sample (one of every run of 8) now go to ``unsampled_postings``,
which only such an upload reads. Archives from before
have none, so this revision drops their statistics, as 0020 did: the first check or entry of a
project counts its entries again from the stored units (``Archive.upgrade``), posting both.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unsampled_postings',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('feature', sa.BigInteger(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['seq'], ['archive_entries.seq'], ),
    sa.PrimaryKeyConstraint('project_id', 'feature', 'seq'),
    sqlite_with_rowid=False
    )
    op.create_index(op.f('ix_unsampled_postings_seq'), 'unsampled_postings', ['seq'], unique=False)
    op.execute("DELETE FROM project_statistics")


def downgrade() -> None:
    op.drop_index(op.f('ix_unsampled_postings_seq'), table_name='unsampled_postings')
    op.drop_table('unsampled_postings')
