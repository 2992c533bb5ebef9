"""evaluations, and the guard on the chain of case decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 22:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('student_id', sa.String(length=200), nullable=False),
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evaluated_by', sa.String(length=200), nullable=False),
    sa.Column('evaluated_by_role', sa.String(length=16), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_submission_id'), ['submission_id'], unique=False)

    # One first decision per case, and each decision reversed at most once.
    op.create_index('uq_case_decisions_first', 'case_decisions', ['case_id'], unique=True,
                    sqlite_where=sa.text('reverses IS NULL'),
                    postgresql_where=sa.text('reverses IS NULL'))
    op.create_index('uq_case_decisions_reverses', 'case_decisions', ['reverses'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_case_decisions_reverses', table_name='case_decisions')
    op.drop_index('uq_case_decisions_first', table_name='case_decisions')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_submission_id'))
        batch_op.drop_index(batch_op.f('ix_evaluations_student_id'))

    op.drop_table('evaluations')
