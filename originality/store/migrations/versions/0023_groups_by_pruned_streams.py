"""near-duplicate groups found by the entries' pruned streams

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 16:30:00

Common code is what independent groups of a project share, and an entry joins a group by its
near-duplicates. They were found by the entries' plain long k-grams: a solution that went
around more than half of a class, padded with dead code by each student, was as many groups as
students, and its code became common code. They are now found by the long k-grams of the pruned
streams (``cohort.grouped_kgrams``), so each entry's near-duplicate sketch, its group and the
counts change. This revision drops the statistics, as 0020 and 0022 did: the first check or
entry of a project counts its entries again from the stored units (``Archive.upgrade``).
"""

from __future__ import annotations

from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM project_statistics")


def downgrade() -> None:
    # The statistics counted by the pruned streams are counted again by the release before
    # from scratch, as after the upgrade.
    op.execute("DELETE FROM project_statistics")
