"""SQLAlchemy Core tables of the staging database (SQLite by default, PostgreSQL tested).

A change here needs a migration in staging/migrations/versions; tests/staging/test_migrations.py
fails while the migrated schema and these tables differ.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Hours are stored as NUMERIC(12, 2) so that SQLite and PostgreSQL both hand back
# exact decimals; SQLAlchemy converts them to decimal.Decimal on read.
HOURS = Numeric(12, 2, asdecimal=True)

batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(80), primary_key=True),
    Column("domain", String(32), nullable=False),
    Column("partition_key", String(32), nullable=False),
    Column("source_file", String(255), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("mapping", String(64), nullable=False),
    Column("rows_in", Integer, nullable=False),
    Column("rows_staged", Integer, nullable=False),
    Column("rows_excepted", Integer, nullable=False),
    Column("staged_hours", HOURS, nullable=False),
    Column("file_hours", HOURS, nullable=False),
    # The file's row count in the unit its control record counts: canonical lines, or
    # source rows for wide layouts whose sender counts rows before unpivoting.
    Column("counted_rows", Integer, nullable=False),
    Column("control_count", Integer),
    Column("control_hours", HOURS),
    Column("control_source", String(255)),
    # Money totals of journal-entry batches (equipment charges, accruals); NULL for labor.
    Column("staged_amount", Numeric(14, 2, asdecimal=True)),
    Column("file_amount", Numeric(14, 2, asdecimal=True)),
    Column("control_amount", Numeric(14, 2, asdecimal=True)),
    # staged -> posting -> posted -> reconciled, or held when a blocking check failed
    # 32 since migration 0002: 16 was too short for "awaiting_approval" on PostgreSQL.
    Column("status", String(32), nullable=False),
    Column("status_reason", Text),
    Column("staged_at", DateTime(timezone=True), nullable=False),
    Column("posted_at", DateTime(timezone=True)),
    # Posting lease: the run posting this batch now, so two runs never post it at once.
    Column("posting_run_id", String(64)),
    Column("posting_since", DateTime(timezone=True)),
)

labor_lines = Table(
    "labor_lines",
    metadata,
    Column("batch_id", String(80), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("source_record_id", String(128), nullable=False),
    Column("source_file", String(255), nullable=False),
    Column("source_row", Integer, nullable=False),
    Column("job", String(64), nullable=False),
    Column("cost_code", String(32), nullable=False),
    Column("cost_type", String(8), nullable=False),
    Column("employee_id", String(64), nullable=False),
    Column("craft", String(64), nullable=False),
    Column("pay_type", String(8), nullable=False),
    Column("work_date", Date, nullable=False),
    Column("hours", HOURS, nullable=False),
    Column("odoo_project_id", Integer, nullable=False),
    Column("odoo_task_id", Integer, nullable=False),
    Column("odoo_employee_id", Integer, nullable=False),
    UniqueConstraint("batch_id", "line_no"),
    UniqueConstraint("batch_id", "external_id"),
)

exceptions = Table(
    "exceptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(80), nullable=False, index=True),
    Column("domain", String(32), nullable=False),
    Column("partition_key", String(32), nullable=False),
    Column("source_file", String(255), nullable=False),
    Column("source_row", Integer, nullable=False),
    # The canonical line the exception belongs to; NULL when the row never became a
    # line (it could not be parsed). One wide source row can yield several lines.
    Column("line_no", Integer),
    # What the reviewer needs to find the row at the sender; empty for unparsed rows.
    Column("source_record_id", String(128)),
    Column("employee_id", String(64)),
    Column("work_date", Date),
    Column("hours", HOURS),
    Column("column_name", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("reason", String(48), nullable=False),
    Column("owner", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# One row per Odoo record the pipeline created. The external id is the
# idempotency key: a rerun or a resume looks here and in Odoo before creating.
posting_ledger = Table(
    "posting_ledger",
    metadata,
    Column("external_id", String(128), primary_key=True),
    Column("batch_id", String(80), nullable=False, index=True),
    Column("domain", String(32), nullable=False),
    Column("odoo_model", String(64), nullable=False),
    Column("odoo_id", Integer, nullable=False),
    Column("chunk_no", Integer, nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False),
)

# One row per landed delivery. The landing key is the extract's SHA-256, or for layouts
# with a companion control file the SHA-256 of both files' hashes, so a corrected control
# file makes a new delivery (and a new batch) while the same pair is never processed twice.
landed_files = Table(
    "landed_files",
    metadata,
    Column("content_hash", String(64), primary_key=True),  # the landing key
    Column("domain", String(32), nullable=False),
    Column("remote_path", String(512), nullable=False),
    Column("landed_path", String(1024), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("companion_path", String(1024)),
    Column("companion_hash", String(64)),
    Column("partition_key", String(32)),
    Column("landed_at", DateTime(timezone=True), nullable=False),
    Column("last_fetched_at", DateTime(timezone=True), nullable=False),
)

# Journal-entry batches (equipment charges, accruals): one row per proposed journal item.
# ``entry_key`` groups the lines of one account.move inside the batch (an accrual batch
# has its accrual entry and its reversal).
journal_lines = Table(
    "journal_lines",
    metadata,
    Column("batch_id", String(80), nullable=False, index=True),
    Column("entry_key", String(32), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("account_code", String(16), nullable=False),
    Column("name", String(255), nullable=False),
    Column("debit", Numeric(14, 2, asdecimal=True), nullable=False),
    Column("credit", Numeric(14, 2, asdecimal=True), nullable=False),
    Column("job", String(64)),
    Column("cost_code", String(32)),
    Column("source_record_id", String(128)),
    Column("source_row", Integer),
    UniqueConstraint("batch_id", "entry_key", "line_no"),
)

# The parsed source rows of a journal batch: the accepted ones its entry lines sum by job and
# cost code, and the held ones with the money they carry. A reviewer excludes rows by these
# references, and an auditor traces an amount back to them.
journal_source_rows = Table(
    "journal_source_rows",
    metadata,
    Column("batch_id", String(80), nullable=False, index=True),
    Column("source_file", String(255), nullable=False),
    Column("source_row", Integer, nullable=False),
    Column("source_record_id", String(128)),
    Column("job", String(64)),
    Column("cost_code", String(32)),
    Column("amount", Numeric(14, 2, asdecimal=True), nullable=False),
    Column("held", Boolean, nullable=False, default=False),  # held rows are listed for review, never posted
)

# The entries of a journal batch: date, journal and the idempotency key sent to Odoo as ``ref``.
journal_entries = Table(
    "journal_entries",
    metadata,
    Column("batch_id", String(80), nullable=False, index=True),
    Column("entry_key", String(32), nullable=False),
    Column("ref", String(128), nullable=False),
    Column("journal_code", String(8), nullable=False),
    Column("entry_date", Date, nullable=False),
    Column("reverses_entry_key", String(32)),  # the automatic reversal names the entry it reverses
    Column("odoo_move_id", Integer),
    Column("odoo_name", String(64)),
    Column("odoo_date", Date),
    UniqueConstraint("batch_id", "entry_key"),
)

# Approvals that the posting step re-reads. Each stores the content hash and the totals it
# approved, so a re-staged batch never posts on an old approval.
approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(80), nullable=False, index=True),
    Column("content_hash", String(64), nullable=False),
    Column("total_debit", Numeric(14, 2, asdecimal=True), nullable=False),
    Column("approver", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False),
)

# What happened to batches beyond their status: reversals of corrected batches, approvals.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("domain", String(32), nullable=False),
    Column("partition_key", String(32), nullable=False),
    Column("batch_id", String(80), nullable=False),
    Column("action", String(32), nullable=False),
    Column("related_batch_id", String(80)),
    Column("detail", Text, nullable=False),
    Column("actor", String(128), nullable=False, server_default="pipeline"),
)

# Finance decisions on a batch: accept a warning, exclude rows, reject, approve. Rows are
# only ever inserted; the audit log records each one too.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(80), nullable=False, index=True),
    Column("domain", String(32), nullable=False),
    Column("partition_key", String(32), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("decision", String(24), nullable=False),  # accept_warning, exclude_rows, reject, approve
    Column("check_name", String(64)),  # accept_warning: the WARN check accepted
    Column("source_rows", Text),  # exclude_rows: JSON list of [source_file, source_row, source_record_id or null]
    Column("decided_by", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

# -- Month-end reports ---------------------------------------------------------------------
# One row per period and job (and cost code and cost type for job cost), for BI tools. A run
# replaces its own period's rows and leaves other periods as they were, so history is kept.
# Money is NUMERIC(16, 2); percent_complete is a fraction (0.5 = 50 %), physical_percent_complete
# is in percent as project controls gives it. An empty job is cost booked without a job.

report_job_cost = Table(
    "report_job_cost",
    metadata,
    Column("period", String(7), primary_key=True),  # "YYYY-MM"
    Column("job", String(64), primary_key=True),
    Column("cost_code", String(32), primary_key=True),
    Column("cost_type", String(1), primary_key=True),  # L, M, E, S or O
    Column("original_budget", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("current_budget", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("actual_period", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("actual_to_date", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("committed_cost", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("cost_to_complete", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("estimated_cost_at_completion", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("variance", Numeric(16, 2, asdecimal=True), nullable=False),  # current budget - EAC
    Column("computed_at", DateTime(timezone=True), nullable=False),
)

report_wip = Table(
    "report_wip",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("job", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("contract_value", Numeric(16, 2, asdecimal=True), nullable=False),  # original + approved change orders
    Column("pending_change_orders", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("estimated_total_cost", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("estimated_gross_profit", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("cost_to_date", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("percent_complete", Numeric(12, 8, asdecimal=True), nullable=False),
    Column("physical_percent_complete", Numeric(5, 2, asdecimal=True)),
    Column("earned_revenue", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("loss_provision", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("gross_profit_to_date", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("billings_to_date", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("retention_held", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("over_billing", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("under_billing", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("backlog", Numeric(16, 2, asdecimal=True), nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
)

# Alerts raised for failed asset checks (reporting.alerts, the failed_check_alert_sensor).
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("asset", String(255), nullable=False),
    Column("check_name", String(128), nullable=False),
    Column("partition_key", String(64)),
    Column("severity", String(8), nullable=False),  # WARN or ERROR, as Dagster's AssetCheckSeverity
    Column("batch_id", String(80)),
    # Who acts on it: the owners in the check's exceptions_by_owner, comma-separated, else finance.
    Column("owner", String(128), nullable=False),
    Column("description", Text),
    # The Dagster run and asset check execution that failed. The sensor may read a failure
    # again, and this pair keeps it from being stored twice.
    Column("run_id", String(64), nullable=False),
    Column("check_execution_id", Integer, nullable=False),
    UniqueConstraint("run_id", "check_execution_id"),
)
