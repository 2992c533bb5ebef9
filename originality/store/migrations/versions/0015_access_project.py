"""access log project: reads of a page that names a project's students (the cohort page)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:10:00

Rows written before are reads of one report or one student's data: their project is NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('access_log') as batch:
        batch.add_column(sa.Column('project_id', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('access_log') as batch:
        batch.drop_column('project_id')
