"""a match link keeps its match's fragments, so later matches are read without their reports

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 21:30:00

A report lists its earlier matches; the report of an earlier submission adds the later ones
from their reports (``store/links.py``). On one task every later upload matches an early
submission and a report holds thousands of matches (2 MB at 20,000 entries), so reading the
later reports whose match holds fragments grew with the archive. ``match_links.evidence_z`` now
keeps, for a match with fragments, those fragments and the template lines of its two sides, as
the report holds them (JSON, compressed). Rows written before (or by a worker still on the release before) have
none, and their report is read as before: nothing to fill.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('match_links', sa.Column('evidence_z', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('match_links') as batch:
        batch.drop_column('evidence_z')
