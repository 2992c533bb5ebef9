"""tokens digest: what made an archived entry's units, the segments to make them again, and
the units' pruned k-grams

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 21:40:00

Rows written before have neither (NULL): their entries count as made with other tokens, and
``originality archive retokenize`` makes them again (docs/deploy.md, "Upgrading").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('archive_entries') as batch:
        batch.add_column(sa.Column('tokens', sa.String(length=16), nullable=True))
    with op.batch_alter_table('documents') as batch:
        batch.add_column(sa.Column('segments', sa.Text(), nullable=True))
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('pruned', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.drop_column('pruned')
    with op.batch_alter_table('documents') as batch:
        batch.drop_column('segments')
    with op.batch_alter_table('archive_entries') as batch:
        batch.drop_column('tokens')
