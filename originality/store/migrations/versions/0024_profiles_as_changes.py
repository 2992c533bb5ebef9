"""entries' profiles stored with their pruned k-grams as what they change of the plain ones

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 19:40:00

A profile (``originality/profile.py``) stored its pruned k-grams whole, and the plain ones again
where no unit's pruning changed a k-gram: 39% of its bytes on the generated scale cohort, where
the pruned streams add 1% of the plain k-grams and drop 4%. It now stores what they change (and
the bag's counts as narrow as they fit), in a new table, ``entry_profiles_v2``: the release
before reads ``entry_profiles`` and could not read the new form. This revision empties
``entry_profiles`` (a worker still on the release before scores the entries it finds there
without a profile from their units, as it would an entry counted by an even older release) and
drops the statistics, as 0020 did: the first check or entry of each project counts its entries
again from the stored units, writing their profiles (``Archive.upgrade``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('entry_profiles_v2',
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('submission_id')
    )
    op.execute("DELETE FROM entry_profiles")
    op.execute("DELETE FROM project_statistics")


def downgrade() -> None:
    # The release before counts every project again, writing its profiles in its own form.
    op.drop_table('entry_profiles_v2')
    op.execute("DELETE FROM project_statistics")
