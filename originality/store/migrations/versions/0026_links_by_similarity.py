"""each submission's match links indexed by similarity, so the cohort page reads the strongest

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 23:40:00

The cohort page clustered every pair that reached its threshold. On a one-task project the
pairs from 50% chain nearly every submission into one cluster (22,520 pairs among 2,000
submissions of the generated scale cohort), and the page read, drew and listed them all. It
now builds its clusters from the strongest pairs only (``overview.MAX_CLUSTERED_PAIRS``): the
links from a floor they all reach, which these indexes read without the weaker links of the
same submissions: each submission's own, and (for an assessor's view) those to it, which
replaces the index on ``other_id`` alone.
"""

from __future__ import annotations

from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_match_links_strength', 'match_links', ['submission_id', 'similarity'])
    # The later matches' index, extended: read by other_id as before, from a similarity up, and
    # holding the columns an assessor's histogram reads (models.MatchLink).
    op.create_index('ix_match_links_other_strength', 'match_links',
                    ['other_id', 'similarity', 'submission_id', 'own'])
    op.drop_index('ix_match_links_other_id', table_name='match_links')


def downgrade() -> None:
    op.create_index('ix_match_links_other_id', 'match_links', ['other_id'])
    op.drop_index('ix_match_links_other_strength', table_name='match_links')
    op.drop_index('ix_match_links_strength', table_name='match_links')
