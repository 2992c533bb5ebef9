"""the match links indexed by similarity, so the cohort page reads the strongest first

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 23:40:00

The cohort page clustered every pair that reached its threshold. On a one-task project the
pairs from 50% chain nearly every submission into one cluster (22,520 pairs among 2,000
submissions of the generated scale cohort), and the page read, drew and listed them all. It
now builds its clusters from the strongest pairs only (``overview.MAX_CLUSTERED_PAIRS``), read
strongest first through this index instead of every link of the project.
"""

from __future__ import annotations

from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_match_links_similarity', 'match_links', ['similarity'])


def downgrade() -> None:
    op.drop_index('ix_match_links_similarity', table_name='match_links')
