"""quotation settings: a project's own choice about quotations that cite their source

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:10:00

Projects without a row keep the default (quotations left out of the share).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quotation_settings',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('leave_out', sa.Boolean(), nullable=False),
    sa.Column('set_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('project_id')
    )


def downgrade() -> None:
    op.drop_table('quotation_settings')
