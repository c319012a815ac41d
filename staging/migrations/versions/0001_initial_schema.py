"""The staging schema as the releases before migrations created it with create_all.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('approvals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('total_debit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('approver', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_approvals_batch_id'), 'approvals', ['batch_id'], unique=False)
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('partition_key', sa.String(length=32), nullable=False),
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('related_batch_id', sa.String(length=80), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=128), server_default='pipeline', nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('batches',
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('partition_key', sa.String(length=32), nullable=False),
    sa.Column('source_file', sa.String(length=255), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('mapping', sa.String(length=64), nullable=False),
    sa.Column('rows_in', sa.Integer(), nullable=False),
    sa.Column('rows_staged', sa.Integer(), nullable=False),
    sa.Column('rows_excepted', sa.Integer(), nullable=False),
    sa.Column('staged_hours', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('file_hours', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('counted_rows', sa.Integer(), nullable=False),
    sa.Column('control_count', sa.Integer(), nullable=True),
    sa.Column('control_hours', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('control_source', sa.String(length=255), nullable=True),
    sa.Column('staged_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('file_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('control_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('staged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('posting_run_id', sa.String(length=64), nullable=True),
    sa.Column('posting_since', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('batch_id')
    )
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('partition_key', sa.String(length=32), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.String(length=24), nullable=False),
    sa.Column('check_name', sa.String(length=64), nullable=True),
    sa.Column('source_rows', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_decisions_batch_id'), 'decisions', ['batch_id'], unique=False)
    op.create_table('exceptions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('partition_key', sa.String(length=32), nullable=False),
    sa.Column('source_file', sa.String(length=255), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=True),
    sa.Column('source_record_id', sa.String(length=128), nullable=True),
    sa.Column('employee_id', sa.String(length=64), nullable=True),
    sa.Column('work_date', sa.Date(), nullable=True),
    sa.Column('hours', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('column_name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=48), nullable=False),
    sa.Column('owner', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_exceptions_batch_id'), 'exceptions', ['batch_id'], unique=False)
    op.create_table('journal_entries',
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('entry_key', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=128), nullable=False),
    sa.Column('journal_code', sa.String(length=8), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('reverses_entry_key', sa.String(length=32), nullable=True),
    sa.Column('odoo_move_id', sa.Integer(), nullable=True),
    sa.Column('odoo_name', sa.String(length=64), nullable=True),
    sa.Column('odoo_date', sa.Date(), nullable=True),
    sa.UniqueConstraint('batch_id', 'entry_key')
    )
    op.create_index(op.f('ix_journal_entries_batch_id'), 'journal_entries', ['batch_id'], unique=False)
    op.create_table('journal_lines',
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('entry_key', sa.String(length=32), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('account_code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('debit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('credit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=True),
    sa.Column('cost_code', sa.String(length=32), nullable=True),
    sa.Column('source_record_id', sa.String(length=128), nullable=True),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.UniqueConstraint('batch_id', 'entry_key', 'line_no')
    )
    op.create_index(op.f('ix_journal_lines_batch_id'), 'journal_lines', ['batch_id'], unique=False)
    op.create_table('journal_source_rows',
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('source_file', sa.String(length=255), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('source_record_id', sa.String(length=128), nullable=True),
    sa.Column('job', sa.String(length=64), nullable=True),
    sa.Column('cost_code', sa.String(length=32), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False)
    )
    op.create_index(op.f('ix_journal_source_rows_batch_id'), 'journal_source_rows', ['batch_id'], unique=False)
    op.create_table('labor_lines',
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('source_record_id', sa.String(length=128), nullable=False),
    sa.Column('source_file', sa.String(length=255), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('cost_code', sa.String(length=32), nullable=False),
    sa.Column('cost_type', sa.String(length=8), nullable=False),
    sa.Column('employee_id', sa.String(length=64), nullable=False),
    sa.Column('craft', sa.String(length=64), nullable=False),
    sa.Column('pay_type', sa.String(length=8), nullable=False),
    sa.Column('work_date', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('odoo_project_id', sa.Integer(), nullable=False),
    sa.Column('odoo_task_id', sa.Integer(), nullable=False),
    sa.Column('odoo_employee_id', sa.Integer(), nullable=False),
    sa.UniqueConstraint('batch_id', 'external_id'),
    sa.UniqueConstraint('batch_id', 'line_no')
    )
    op.create_index(op.f('ix_labor_lines_batch_id'), 'labor_lines', ['batch_id'], unique=False)
    op.create_table('landed_files',
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('remote_path', sa.String(length=512), nullable=False),
    sa.Column('landed_path', sa.String(length=1024), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('companion_path', sa.String(length=1024), nullable=True),
    sa.Column('companion_hash', sa.String(length=64), nullable=True),
    sa.Column('partition_key', sa.String(length=32), nullable=True),
    sa.Column('landed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('content_hash')
    )
    op.create_table('posting_ledger',
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('batch_id', sa.String(length=80), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('odoo_model', sa.String(length=64), nullable=False),
    sa.Column('odoo_id', sa.Integer(), nullable=False),
    sa.Column('chunk_no', sa.Integer(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('external_id')
    )
    op.create_index(op.f('ix_posting_ledger_batch_id'), 'posting_ledger', ['batch_id'], unique=False)
    op.create_table('report_job_cost',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('cost_code', sa.String(length=32), nullable=False),
    sa.Column('cost_type', sa.String(length=1), nullable=False),
    sa.Column('original_budget', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('current_budget', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('actual_period', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('actual_to_date', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('committed_cost', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('cost_to_complete', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('estimated_cost_at_completion', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('variance', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('period', 'job', 'cost_code', 'cost_type')
    )
    op.create_table('report_wip',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('contract_value', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('pending_change_orders', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('estimated_total_cost', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('estimated_gross_profit', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('cost_to_date', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('percent_complete', sa.Numeric(precision=12, scale=8), nullable=False),
    sa.Column('physical_percent_complete', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('earned_revenue', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('loss_provision', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('gross_profit_to_date', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('billings_to_date', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('retention_held', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('over_billing', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('under_billing', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('backlog', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('period', 'job')
    )


def downgrade() -> None:

    op.drop_table('report_wip')
    op.drop_table('report_job_cost')
    op.drop_index(op.f('ix_posting_ledger_batch_id'), table_name='posting_ledger')
    op.drop_table('posting_ledger')
    op.drop_table('landed_files')
    op.drop_index(op.f('ix_labor_lines_batch_id'), table_name='labor_lines')
    op.drop_table('labor_lines')
    op.drop_index(op.f('ix_journal_source_rows_batch_id'), table_name='journal_source_rows')
    op.drop_table('journal_source_rows')
    op.drop_index(op.f('ix_journal_lines_batch_id'), table_name='journal_lines')
    op.drop_table('journal_lines')
    op.drop_index(op.f('ix_journal_entries_batch_id'), table_name='journal_entries')
    op.drop_table('journal_entries')
    op.drop_index(op.f('ix_exceptions_batch_id'), table_name='exceptions')
    op.drop_table('exceptions')
    op.drop_index(op.f('ix_decisions_batch_id'), table_name='decisions')
    op.drop_table('decisions')
    op.drop_table('batches')
    op.drop_table('audit_log')
    op.drop_index(op.f('ix_approvals_batch_id'), table_name='approvals')
    op.drop_table('approvals')
