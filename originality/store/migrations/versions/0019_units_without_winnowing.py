"""units lose the winnowed positions nothing read

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 15:00:00

Each stored unit kept the positions winnowing chose among its k-grams (``units.kept``), written
at every archiving and read back with every unit, and used by nothing: the score, alignment and
the candidate index read all the k-grams. The column goes. A downgrade gives it back empty
(no positions), which the version before read without using.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.drop_column('kept')


def downgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('kept', sa.LargeBinary(), nullable=True))
    op.get_bind().execute(sa.text("UPDATE units SET kept = :empty"), {"empty": b""})
    with op.batch_alter_table('units') as batch:
        batch.alter_column('kept', existing_type=sa.LargeBinary(), nullable=False)
