"""triage: the to-review items of strong matches, and a project's own review threshold

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:19:16.688991

Nothing is filled in from the reports already stored: their pairs were seen (or not) before the
triage existed, and flagging them all at once would bury the assessors' lists under old work.
Items start with the first check after the upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('project_settings',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('review_threshold', sa.Float(), nullable=False),
    sa.Column('set_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('project_id')
    )
    op.create_table('triage_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('other_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('flagged_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=True),
    sa.Column('dismissed_by', sa.String(length=200), nullable=True),
    sa.Column('dismissed_by_role', sa.String(length=16), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(), nullable=True),
    sa.Column('dismissal_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['other_id'], ['submissions.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_id', 'other_id', name='uq_triage_items_pair')
    )
    with op.batch_alter_table('triage_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_triage_items_other_id'), ['other_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('triage_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_triage_items_other_id'))

    op.drop_table('triage_items')
    op.drop_table('project_settings')
