"""Accounting rules on account.account, account.journal, account.move and account.move.line.

Sources, in the odoo/odoo repository: addons/account/models/account_move.py (balance check,
posting, lock dates, reset to draft, sequence names), addons/account/models/account_move_line.py
(SQL checks, deletion of posted items, analytic lines), addons/account/models/account_account.py,
addons/account/models/account_journal.py, addons/account/wizard/account_move_reversal.py and
odoo/tools/misc.py (format_amount). Messages are the texts of the served version; 19.0 uses the
18.0 texts.
"""

from __future__ import annotations

import calendar
import datetime as dt

from . import access, methods, orm
from .exceptions import UserError, ValidationError

ADVISER_GROUP = "account.group_account_manager"
NO_BREAK_SPACE = "\N{NO-BREAK SPACE}"
ZERO_WIDTH_NO_BREAK_SPACE = "\N{ZERO WIDTH NO-BREAK SPACE}"

UNBALANCED_HEADER = "An error has occurred."
UNBALANCED_MOVE = (
    "\n\nThe move ({move}) is not balanced.\n"
    "The total of debits equals {debit} and the total of credits equals {credit}.\n"
    'You might want to specify a default account on journal "{journal}" to automatically balance each move.'
)
# _sql_constraints of account.move.line, wrapped by odoo/service/model.py.
CREDIT_DEBIT_ERROR = {
    17: "The operation cannot be completed: Wrong credit or debit value in accounting entry !",
    18: "The operation cannot be completed: Wrong credit or debit value in accounting entry!",
}
MISSING_ACCOUNT_ERROR = "The operation cannot be completed: Missing required account on accountable line."
DELETE_POSTED_ERROR = {
    17: "You cannot delete an item linked to a posted entry.",
    18: "You can't delete a posted journal item. Don\u2019t play games with your accounting records; "
        "reset the journal entry to draft before deleting it.",
}
READONLY_POSTED_ERROR = "You cannot modify the following readonly fields on a posted move: {fields}"
V17_LOCK_ERROR = "You cannot add/modify entries prior to and inclusive of the lock date {date}."
V17_LOCK_ERROR_NON_ADVISER = (
    "You cannot add/modify entries prior to and inclusive of the lock date {date}. "
    "Check the company settings or ask someone with the 'Adviser' role"
)
V18_LOCK_ERROR = "You cannot add/modify entries prior to and inclusive of: {dates}."
ARCHIVED_JOURNAL_ERROR = "You cannot post an entry in an archived journal ({journal})"
DEPRECATED_ACCOUNT_ERROR = "A line of this move is using a deprecated account, you cannot post it."
NO_LINE_ERROR = "You need to add a line before posting."
# NOTE: the two texts below were not found in the stored Odoo sources; they are recalled from
# 17.0's account_move.py.
ALREADY_POSTED_ERROR = "The entry {name} (id {id}) is already posted."
DRAFT_STATE_ERROR = "Only posted/cancelled journal entries can be reset to draft."
MANDATORY_ANALYTIC_ERROR = "One or more lines require a 100% analytic distribution."
V17_ACCOUNT_CODE_ERROR = "The operation cannot be completed: The code of the account must be unique per company !"
V18_ACCOUNT_CODE_ERROR = "Account codes must be unique. You can't create accounts with these duplicate codes: {codes}"

NON_ACCOUNTABLE_TYPES = ("line_section", "line_note")
# Fields of a posted move that 18.0's write() refuses to change (account_move.py).
V18_READONLY_POSTED_FIELDS = (
    "invoice_line_ids", "line_ids", "invoice_date", "date", "partner_id", "invoice_payment_term_id",
    "currency_id", "fiscal_position_id", "invoice_cash_rounding_id",
)
# Line fields whose change on a posted entry re-runs the lock date check (_check_lock_date).
LOCK_PROTECTED_LINE_FIELDS = (
    "account_id", "journal_id", "amount_currency", "currency_id", "partner_id", "debit", "credit",
    "balance", "tax_ids",
)
V18_LOCK_DATE_LABELS = {
    "fiscalyear_lock_date": "Global Lock Date",
    "sale_lock_date": "Sales Lock Date",
    "purchase_lock_date": "Purchase Lock date",
    "hard_lock_date": "Hard Lock Date",
}
YEARLY_SEQUENCE_JOURNAL_TYPES = ("sale", "bank", "cash", "credit")


class StringDataRightTruncation(Exception):
    """PostgreSQL's error for a value longer than a varchar column; a generic fault over RPC."""

    qualified_name = "psycopg2.errors.StringDataRightTruncation"


def version_key(env) -> int:
    return 17 if env.major <= 17 else 18


def row_of(env, model_name: str, record_id: int | None) -> dict | None:
    if not record_id:
        return None
    return orm.fetch_rows(env, env.registry[model_name], [record_id]).get(record_id)


def rows_of(env, model_name: str, ids) -> list[dict]:
    found = orm.fetch_rows(env, env.registry[model_name], list(ids))
    return [found[i] for i in ids if i in found]


def placeholders(values) -> str:
    return ", ".join("?" for _ in values)


# -- amounts and dates -------------------------------------------------------------------------

def company_currency(env, company_id: int | None) -> dict:
    row = env.conn.execute(
        "SELECT c.* FROM res_company co JOIN res_currency c ON c.id = co.currency_id WHERE co.id = ?",
        (company_id,),
    ).fetchone()
    if row is None:
        return {"id": None, "symbol": "", "decimal_places": 2, "position": "after"}
    return dict(row)


def format_amount(amount: float, currency: dict) -> str:
    """Format an amount as odoo/tools/misc.py format_amount does for the en_US language."""
    digits = int(currency.get("decimal_places") or 0)
    text = f"{orm.float_round(amount, digits):,.{digits}f}"
    text = text.replace(" ", NO_BREAK_SPACE).replace("-", "-" + ZERO_WIDTH_NO_BREAK_SPACE)
    symbol = currency.get("symbol") or ""
    if currency.get("position") == "before":
        return f"{symbol}{NO_BREAK_SPACE}{text}"
    return f"{text}{NO_BREAK_SPACE}{symbol}"


def format_date(value: dt.date) -> str:
    """Format a date as odoo.tools.format_date does for en_US (MM/DD/YYYY)."""
    return value.strftime("%m/%d/%Y")


def to_date(value) -> dt.date | None:
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def end_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# -- lock dates --------------------------------------------------------------------------------

def violated_lock_dates(env, company_id: int, date: dt.date, journal_type: str | None) -> list[tuple[dt.date, str | None]]:
    """Return the lock dates that ``date`` falls on or before, oldest first, as (date, label)."""
    company = row_of(env, "res.company", company_id) or {}
    if env.major <= 17:
        # 17.0 _get_user_fiscal_lock_date: advisers are held by fiscalyear_lock_date only,
        # everyone else by the later of period_lock_date and fiscalyear_lock_date.
        fiscal = to_date(company.get("fiscalyear_lock_date"))
        period = to_date(company.get("period_lock_date"))
        if access.user_has_group(env, ADVISER_GROUP) or env.su:
            lock = fiscal
        else:
            lock = max([d for d in (fiscal, period) if d], default=None)
        return [(lock, None)] if lock and date <= lock else []
    fields = ["fiscalyear_lock_date", "hard_lock_date"]
    if journal_type == "sale":
        fields.append("sale_lock_date")
    if journal_type == "purchase":
        fields.append("purchase_lock_date")
    violated = []
    for name in fields:
        lock = to_date(company.get(name))
        if lock and date <= lock:
            violated.append((lock, V18_LOCK_DATE_LABELS[name]))
    return sorted(violated, key=lambda item: item[0])


def check_lock_dates(env, move: dict) -> None:
    """Raise the version's lock date error when ``move`` is dated inside a locked period."""
    journal = row_of(env, "account.journal", move["journal_id"]) or {}
    violated = violated_lock_dates(env, move["company_id"], to_date(move["date"]), journal.get("type"))
    if not violated:
        return
    if env.major <= 17:
        lock = violated[-1][0]
        if access.user_has_group(env, ADVISER_GROUP) or env.su:
            raise UserError(V17_LOCK_ERROR.format(date=format_date(lock)))
        raise UserError(V17_LOCK_ERROR_NON_ADVISER.format(date=format_date(lock)))
    shown = ", ".join(f"{label} ({format_date(lock)})" for lock, label in violated)
    raise UserError(V18_LOCK_ERROR.format(dates=shown))


def first_allowed_date(env, move: dict, journal: dict) -> dt.date | None:
    """Return the date a posted entry moves to when its date is locked (_get_accounting_date).

    The day after the latest violated lock date, then, for monthly numbered journals, the end of
    that month when today is in a later month, otherwise the later of that day and today.
    """
    date = to_date(move["date"])
    violated = violated_lock_dates(env, move["company_id"], date, journal.get("type"))
    if not violated:
        return None
    first = violated[-1][0] + dt.timedelta(days=1)
    today = dt.date.today()
    if sequence_reset(env, journal) == "month":
        if (today.year, today.month) > (first.year, first.month):
            return end_of_month(first)
        return max(first, today)
    if today.year > first.year:
        return dt.date(first.year, 12, 31)
    return max(first, today)


# -- sequence names ----------------------------------------------------------------------------

def sequence_reset(env, journal: dict) -> str:
    """Return "year" or "month": sale, bank, cash and credit journals number per year."""
    return "year" if journal.get("type") in YEARLY_SEQUENCE_JOURNAL_TYPES else "month"


def next_sequence_name(env, journal: dict, date: dt.date) -> str:
    """Return the next number: "<CODE>/<YYYY>/<NNNNN>" yearly or "<CODE>/<YYYY>/<MM>/<NNNN>" monthly."""
    if sequence_reset(env, journal) == "year":
        prefix, width = f"{journal['code']}/{date.year:04d}/", 5
    else:
        prefix, width = f"{journal['code']}/{date.year:04d}/{date.month:02d}/", 4
    used = env.conn.execute(
        "SELECT name FROM account_move WHERE journal_id = ? AND substr(name, 1, ?) = ?",
        (journal["id"], len(prefix), prefix),
    ).fetchall()
    numbers = [int(row[0][len(prefix):]) for row in used if row[0][len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:0{width}d}"


# -- balance and line checks -------------------------------------------------------------------

def check_balanced(env, move_ids) -> None:
    """Refuse moves whose ROUND(SUM(balance), currency decimals) is not zero (_check_balanced)."""
    move_ids = sorted(set(move_ids))
    if not move_ids or env.context.get("check_move_validity") is False:
        return
    rows = env.conn.execute(
        "SELECT l.move_id, SUM(l.debit), SUM(l.credit), SUM(l.balance), c.decimal_places "
        "FROM account_move_line l JOIN account_move m ON m.id = l.move_id "
        "JOIN res_company co ON co.id = m.company_id JOIN res_currency c ON c.id = co.currency_id "
        f"WHERE l.move_id IN ({placeholders(move_ids)}) GROUP BY l.move_id, c.decimal_places ORDER BY l.move_id",
        move_ids,
    ).fetchall()
    message = ""
    for move_id, debit, credit, balance, digits in rows:
        if orm.float_round(balance or 0.0, int(digits or 0)) == 0:
            continue
        move = row_of(env, "account.move", move_id)
        currency = company_currency(env, move["company_id"])
        journal = row_of(env, "account.journal", move["journal_id"]) or {}
        message += UNBALANCED_MOVE.format(
            move=orm.display_name(env.registry["account.move"], move),
            debit=format_amount(debit or 0.0, currency), credit=format_amount(credit or 0.0, currency),
            journal=journal.get("name", ""),
        )
    if message:
        raise UserError(UNBALANCED_HEADER + message)


def check_line_constraints(env, line_ids) -> None:
    """Apply the SQL checks of account.move.line, with the texts odoo/service/model.py shows."""
    for line in rows_of(env, "account.move.line", line_ids):
        accountable = line["display_type"] not in NON_ACCOUNTABLE_TYPES
        if not accountable:
            continue
        debit, credit = line["debit"] or 0.0, line["credit"] or 0.0
        # NOTE: 18.0's constraint is credit * debit = 0 only; a negative amount is refused here
        # on every version, as the older CHECK(credit + debit >= 0 AND credit * debit = 0) did.
        if (debit and credit) or debit < 0 or credit < 0:
            raise ValidationError(CREDIT_DEBIT_ERROR[version_key(env)])
        if not line["account_id"]:
            raise ValidationError(MISSING_ACCOUNT_ERROR)


def sync_line_amounts(env, line_ids, vals: dict) -> None:
    """Derive debit/credit from balance or balance from debit/credit, as the computed fields do."""
    table = "account_move_line"
    for line in rows_of(env, "account.move.line", line_ids):
        if "balance" in vals and "debit" not in vals and "credit" not in vals:
            balance = line["balance"] or 0.0
            debit, credit = max(balance, 0.0), max(-balance, 0.0)
        else:
            debit, credit = line["debit"] or 0.0, line["credit"] or 0.0
            balance = orm.float_round(debit - credit, 2)
        amount_currency = line["amount_currency"]
        move = row_of(env, "account.move", line["move_id"])
        company_currency_id = company_currency(env, move["company_id"])["id"]
        if line["currency_id"] in (None, company_currency_id) or amount_currency is None:
            amount_currency = balance
        env.conn.execute(
            f'UPDATE "{table}" SET debit = ?, credit = ?, balance = ?, amount_currency = ?, '
            "currency_id = COALESCE(currency_id, ?) WHERE id = ?",
            (debit, credit, balance, amount_currency, company_currency_id, line["id"]),
        )


def sync_related_line_fields(env, move_ids) -> None:
    """Copy the move's state, date, journal, company, number and reference to its lines."""
    for move in rows_of(env, "account.move", move_ids):
        env.conn.execute(
            "UPDATE account_move_line SET parent_state = ?, date = ?, journal_id = ?, company_id = ?, "
            "move_name = ?, ref = ? WHERE move_id = ?",
            (move["state"], move["date"], move["journal_id"], move["company_id"], move["name"], move["ref"],
             move["id"]),
        )
        total = env.conn.execute(
            "SELECT COALESCE(SUM(debit), 0) FROM account_move_line WHERE move_id = ?", (move["id"],)).fetchone()[0]
        env.conn.execute("UPDATE account_move SET amount_total = ? WHERE id = ?", (total, move["id"]))


# -- deferred balance checks -------------------------------------------------------------------
# Lines written through a move's line_ids are checked once, after the whole move operation, as
# Odoo's _check_balanced context manager does. Lines written on their own are checked at once.

def begin_move_operation(env) -> None:
    env.__dict__["accounting_depth"] = env.__dict__.get("accounting_depth", 0) + 1


def end_move_operation(env, move_ids) -> None:
    env.__dict__["accounting_depth"] -= 1
    pending = env.__dict__.setdefault("accounting_pending", set())
    pending.update(move_ids)
    if env.__dict__["accounting_depth"] == 0:
        ids = set(pending)
        pending.clear()
        check_balanced(env, ids)


def lines_changed(env, move_ids) -> None:
    if env.__dict__.get("accounting_depth", 0):
        env.__dict__.setdefault("accounting_pending", set()).update(move_ids)
        return
    check_balanced(env, move_ids)


# -- hooks -------------------------------------------------------------------------------------

@orm.register_hooks("account.account")
class AccountHooks(orm.Hooks):
    def before_create(self, env, vals_list):
        if env.major >= 18:
            for vals in vals_list:
                vals.setdefault("company_ids", [(6, 0, [env.company_id])])

    def after_create(self, env, ids, vals_list):
        check_account_codes(env, ids)

    def after_write(self, env, ids, vals):
        if "code" in vals or "company_id" in vals or "company_ids" in vals:
            check_account_codes(env, ids)


def check_account_codes(env, ids) -> None:
    """Account codes are unique per company: 17.0 by SQL constraint, 18.0 by a Python constraint."""
    if env.major <= 17:
        for account in rows_of(env, "account.account", ids):
            twin = env.conn.execute(
                "SELECT 1 FROM account_account WHERE code = ? AND company_id = ? AND id != ?",
                (account["code"], account["company_id"], account["id"])).fetchone()
            if twin:
                raise ValidationError(V17_ACCOUNT_CODE_ERROR)
        return
    model = env.registry["account.account"]
    rel, own, target = model.relation_table(model.fields["company_ids"])
    duplicates = []
    for account in rows_of(env, "account.account", ids):
        twin = env.conn.execute(
            f'SELECT 1 FROM account_account a JOIN "{rel}" r ON r."{own}" = a.id '
            f'WHERE a.code = ? AND a.id != ? AND r."{target}" IN '
            f'(SELECT "{target}" FROM "{rel}" WHERE "{own}" = ?) LIMIT 1',
            (account["code"], account["id"], account["id"])).fetchone()
        if twin and account["code"] not in duplicates:
            duplicates.append(account["code"])
    if duplicates:
        raise ValidationError(V18_ACCOUNT_CODE_ERROR.format(codes=", ".join(duplicates)))


@orm.register_hooks("account.journal")
class JournalHooks(orm.Hooks):
    def before_create(self, env, vals_list):
        for vals in vals_list:
            check_journal_code(vals)

    def before_write(self, env, ids, vals):
        check_journal_code(vals)


def check_journal_code(vals: dict) -> None:
    # account.journal.code is Char(size=5): PostgreSQL refuses a longer value.
    code = vals.get("code")
    if isinstance(code, str) and len(code) > 5:
        raise StringDataRightTruncation("value too long for type character varying(5)\n")


@orm.register_hooks("account.move")
class MoveHooks(orm.Hooks):
    def before_create(self, env, vals_list):
        for vals in vals_list:
            fill_move_defaults(env, vals)
        begin_move_operation(env)

    def after_create(self, env, ids, vals_list):
        sync_related_line_fields(env, ids)
        end_move_operation(env, ids)

    def before_write(self, env, ids, vals):
        for move in rows_of(env, "account.move", ids):
            check_posted_move_write(env, move, vals)
        if "journal_id" in vals and "company_id" not in vals and vals["journal_id"]:
            journal = row_of(env, "account.journal", vals["journal_id"])
            if journal:
                vals["company_id"] = journal["company_id"]
        begin_move_operation(env)

    def after_write(self, env, ids, vals):
        sync_related_line_fields(env, ids)
        end_move_operation(env, ids)

    def before_unlink(self, env, ids):
        # Deleting a move deletes its lines, so the line rule's message applies.
        if any(move["state"] == "posted" for move in rows_of(env, "account.move", ids)) \
                and not env.context.get("force_delete"):
            raise UserError(DELETE_POSTED_ERROR[version_key(env)])


def fill_move_defaults(env, vals: dict) -> None:
    """Default journal (first general journal of the company), company and currency."""
    if not vals.get("journal_id"):
        row = env.conn.execute(
            "SELECT id FROM account_journal WHERE type = 'general' AND company_id = ? AND active = 1 "
            "ORDER BY sequence, id LIMIT 1", (vals.get("company_id") or env.company_id,)).fetchone()
        if row:
            vals["journal_id"] = row[0]
    journal = row_of(env, "account.journal", vals.get("journal_id"))
    if journal:
        vals.setdefault("company_id", journal["company_id"])
    vals.setdefault("company_id", env.company_id)
    if not vals.get("currency_id"):
        vals["currency_id"] = (journal or {}).get("currency_id") or company_currency(env, vals["company_id"])["id"]
    if not vals.get("name"):
        vals["name"] = "/"


def check_posted_move_write(env, move: dict, vals: dict) -> None:
    """Apply the write() checks of a posted move: readonly fields (18.0+) and lock dates."""
    if move["state"] != "posted":
        return
    new_state = vals.get("state", move["state"])
    if env.major >= 18 and new_state == "posted":
        readonly = [name for name in vals if name in V18_READONLY_POSTED_FIELDS]
        if readonly:
            raise UserError(READONLY_POSTED_ERROR.format(fields=", ".join(readonly)))
    changes_number = "name" in vals and vals["name"] != move["name"]
    changes_date = "date" in vals and str(vals["date"] or "")[:10] != move["date"]
    if changes_number or changes_date or new_state != "posted":
        check_lock_dates(env, move)


@orm.register_hooks("account.move.line")
class MoveLineHooks(orm.Hooks):
    def before_create(self, env, vals_list):
        for vals in vals_list:
            if "balance" in vals and "debit" not in vals and "credit" not in vals:
                balance = float(vals["balance"] or 0.0)
                vals["debit"], vals["credit"] = max(balance, 0.0), max(-balance, 0.0)

    def after_create(self, env, ids, vals_list):
        sync_line_amounts(env, ids, {})
        move_ids = move_ids_of(env, ids)
        sync_related_line_fields(env, move_ids)
        check_line_constraints(env, ids)
        for move in rows_of(env, "account.move", move_ids):
            if move["state"] == "posted":
                check_lock_dates(env, move)
        lines_changed(env, move_ids)

    def before_write(self, env, ids, vals):
        if any(name in vals for name in LOCK_PROTECTED_LINE_FIELDS):
            for move in rows_of(env, "account.move", move_ids_of(env, ids)):
                if move["state"] == "posted":
                    check_lock_dates(env, move)

    def after_write(self, env, ids, vals):
        if any(name in vals for name in ("debit", "credit", "balance", "amount_currency", "currency_id")):
            sync_line_amounts(env, ids, vals)
        check_line_constraints(env, ids)
        lines_changed(env, move_ids_of(env, ids))

    def before_unlink(self, env, ids):
        move_ids = move_ids_of(env, ids)
        if not env.context.get("force_delete") and any(
                move["state"] == "posted" for move in rows_of(env, "account.move", move_ids)):
            raise UserError(DELETE_POSTED_ERROR[version_key(env)])
        env.__dict__["accounting_unlinked_moves"] = move_ids

    def after_unlink(self, env, ids):
        move_ids = [m for m in env.__dict__.pop("accounting_unlinked_moves", []) if row_of(env, "account.move", m)]
        sync_related_line_fields(env, move_ids)
        lines_changed(env, move_ids)


def move_ids_of(env, line_ids) -> list[int]:
    line_ids = list(line_ids)
    if not line_ids:
        return []
    return [row[0] for row in env.conn.execute(
        f"SELECT DISTINCT move_id FROM account_move_line WHERE id IN ({placeholders(line_ids)})", line_ids)]


# -- posting -----------------------------------------------------------------------------------

def action_post(env, model, ids):
    """Post draft entries (account_move.py action_post/_post); returns False as Odoo does."""
    ids = orm.normalize_ids(ids)
    access.check_model_access(env, model.name, "write")
    moves = rows_of(env, "account.move", ids)
    if len(moves) != len(set(ids)):
        orm.write_records(env, model, ids, {})  # raises MissingError
    for move in moves:
        validate_before_post(env, move)
    for move in moves:
        post_move(env, move)
    return False


def validate_before_post(env, move: dict) -> None:
    if move["state"] == "posted":
        raise UserError(ALREADY_POSTED_ERROR.format(name=move["name"], id=move["id"]))
    lines = env.conn.execute(
        "SELECT l.id, a.deprecated FROM account_move_line l LEFT JOIN account_account a ON a.id = l.account_id "
        "WHERE l.move_id = ? AND COALESCE(l.display_type, '') NOT IN ('line_section', 'line_note')",
        (move["id"],)).fetchall()
    if not lines:
        raise UserError(NO_LINE_ERROR)
    journal = row_of(env, "account.journal", move["journal_id"])
    if not journal["active"]:
        raise UserError(ARCHIVED_JOURNAL_ERROR.format(journal=journal["name"]))
    if any(deprecated for _line_id, deprecated in lines) and not env.context.get("skip_account_deprecation_check"):
        raise UserError(DEPRECATED_ACCOUNT_ERROR)
    if env.context.get("validate_analytic"):
        check_mandatory_plans(env, [line_id for line_id, _deprecated in lines])


def post_move(env, move: dict) -> None:
    journal = row_of(env, "account.journal", move["journal_id"])
    moved_date = first_allowed_date(env, move, journal)
    date = moved_date or to_date(move["date"])
    name = move["name"]
    # A number, once given, survives a reset to draft and a new post.
    # NOTE: Odoo renumbers a never-posted entry whose date moved to another period. The
    # sandbox numbers drafts only when they are posted, so that case does not arise.
    if not name or name == "/":
        name = next_sequence_name(env, journal, date)
    env.conn.execute(
        "UPDATE account_move SET state = 'posted', posted_before = 1, date = ?, name = ?, write_uid = ?, "
        "write_date = ? WHERE id = ?",
        (date.isoformat(), name, env.uid, orm.now_string(), move["id"]),
    )
    sync_related_line_fields(env, [move["id"]])
    check_balanced(env, [move["id"]])
    create_analytic_lines(env, move["id"])


def check_mandatory_plans(env, line_ids) -> None:
    """With validate_analytic in the context, each mandatory plan needs 100% on every line."""
    plans = [row[0] for row in env.conn.execute(
        "SELECT id FROM account_analytic_plan WHERE default_applicability = 'mandatory'")]
    if not plans:
        return
    for line in rows_of(env, "account.move.line", line_ids):
        distribution = orm.read_value(env, env.registry["account.move.line"],
                                      env.registry["account.move.line"].fields["analytic_distribution"],
                                      line, None, None) or {}
        for plan_id in plans:
            total = 0.0
            for key, percentage in distribution.items():
                plan_ids = {account["plan_id"] for account in rows_of(
                    env, "account.analytic.account", [int(part) for part in str(key).split(",") if part.isdigit()])}
                if plan_id in plan_ids:
                    total += float(percentage)
            if orm.float_round(total, 2) != 100.0:
                raise ValidationError(MANDATORY_ANALYTIC_ERROR)


def project_plan_id(env) -> int | None:
    row = env.conn.execute("SELECT id FROM account_analytic_plan ORDER BY sequence, id LIMIT 1").fetchone()
    return row[0] if row else None


def create_analytic_lines(env, move_id: int) -> None:
    """Create one analytic line per analytic_distribution key (_create_analytic_lines).

    amount = -(line balance) x percentage / 100, so a debit gives a negative (cost) amount. On 17.0
    each key is one analytic account id. From 18.0 a key may join ids of accounts of different
    plans ("12,34"); each account fills its plan's column of the same analytic line.
    """
    move = row_of(env, "account.move", move_id)
    line_model = env.registry["account.move.line"]
    analytic_model = env.registry["account.analytic.line"]
    currency = company_currency(env, move["company_id"])
    digits = int(currency.get("decimal_places") or 2)
    lines = [row for row in rows_of(env, "account.move.line", [r[0] for r in env.conn.execute(
        "SELECT id FROM account_move_line WHERE move_id = ? ORDER BY id", (move_id,))]) if row["analytic_distribution"]]
    sudo = env.sudo()
    vals_list = []
    for line in lines:
        distribution = orm.read_value(env, line_model, line_model.fields["analytic_distribution"], line, None, None)
        for key, percentage in (distribution or {}).items():
            amount = orm.float_round(-(line["balance"] or 0.0) * float(percentage) / 100.0, digits)
            if amount == 0:
                continue
            vals = {
                "name": line["name"] or move["ref"] or "/",
                "date": line["date"], "amount": amount, "unit_amount": 0.0,
                "general_account_id": line["account_id"], "move_line_id": line["id"], "ref": move["ref"] or False,
                "partner_id": line["partner_id"] or False, "company_id": move["company_id"], "user_id": env.uid,
            }
            vals.update(analytic_account_columns(env, str(key)))
            vals_list.append(vals)
    if vals_list:
        orm.create_records(sudo, analytic_model, vals_list)


def analytic_account_columns(env, key: str) -> dict:
    if env.major <= 17:
        # 17.0 calls int() on the key, so a key joining several ids fails with Python's ValueError.
        return {"account_id": int(key)}
    columns = {}
    project_plan = project_plan_id(env)
    fields = env.registry["account.analytic.line"].fields
    for account in rows_of(env, "account.analytic.account", [int(part) for part in key.split(",")]):
        column = "account_id" if account["plan_id"] == project_plan else f"x_plan{account['plan_id']}_id"
        if column not in fields:
            raise ValueError(f"Invalid field {column!r} on model 'account.analytic.line'")
        columns[column] = account["id"]
    return columns


def button_draft(env, model, ids):
    """Reset posted or cancelled entries to draft and delete their analytic lines; returns None."""
    ids = orm.normalize_ids(ids)
    access.check_model_access(env, model.name, "write")
    moves = rows_of(env, "account.move", ids)
    if any(move["state"] not in ("posted", "cancel") for move in moves):
        raise UserError(DRAFT_STATE_ERROR)
    for move in moves:
        if move["state"] == "posted":
            check_lock_dates(env, move)
        analytic_ids = [row[0] for row in env.conn.execute(
            "SELECT a.id FROM account_analytic_line a JOIN account_move_line l ON l.id = a.move_line_id "
            "WHERE l.move_id = ?", (move["id"],))]
        orm.unlink_records(env.sudo(), env.registry["account.analytic.line"], analytic_ids)
        env.conn.execute("UPDATE account_move SET state = 'draft', write_uid = ?, write_date = ? WHERE id = ?",
                         (env.uid, orm.now_string(), move["id"]))
        sync_related_line_fields(env, [move["id"]])
    return None


# -- reversal ----------------------------------------------------------------------------------

def reverse_moves(env, model, ids, is_modify=False):
    """Create and post the reversal of each entry of the wizard (account_move_reversal.py).

    The reversal has debits and credits swapped, reversed_entry_id set to the original and ref
    "Reversal of: <number>" (", <reason>" appended when the wizard has one).
    """
    # NOTE: the ref format and the returned action's keys are recalled from 17.0 and were not
    # checked against the stored sources. is_modify (reverse, then a draft copy) is ignored.
    access.check_model_access(env, "account.move", "create")
    move_model = env.registry["account.move"]
    new_ids = []
    for wizard in rows_of(env, model.name, orm.normalize_ids(ids)):
        move_ids = orm.x2many_ids(env, model, model.fields["move_ids"], wizard["id"])
        for move in rows_of(env, "account.move", move_ids):
            ref = f"Reversal of: {move['name']}" + (f", {wizard['reason']}" if wizard["reason"] else "")
            new_id = orm.create_records(env, move_model, [reversal_values(
                env, move, wizard["date"] or dt.date.today().isoformat(),
                wizard["journal_id"] or move["journal_id"], ref)])[0]
            post_move(env, row_of(env, "account.move", new_id))
            new_ids.append(new_id)
        orm.write_records(env.sudo(), model, [wizard["id"]], {"new_move_ids": [(6, 0, new_ids)]})
    action = {"name": "Reverse Moves", "type": "ir.actions.act_window", "res_model": "account.move"}
    if len(new_ids) == 1:
        action.update(view_mode="form", res_id=new_ids[0])
    else:
        action.update(view_mode="tree" if env.major <= 17 else "list", domain=[["id", "in", new_ids]])
    return action


def reversal_values(env, move: dict, date: str, journal_id: int, ref: str) -> dict:
    line_model = env.registry["account.move.line"]
    lines = []
    for line in rows_of(env, "account.move.line", orm.x2many_ids(
            env, env.registry["account.move"], env.registry["account.move"].fields["line_ids"], move["id"])):
        lines.append((0, 0, {
            "account_id": line["account_id"], "name": line["name"] or False, "partner_id": line["partner_id"] or False,
            "debit": line["credit"] or 0.0, "credit": line["debit"] or 0.0,
            "amount_currency": -(line["amount_currency"] or 0.0), "currency_id": line["currency_id"] or False,
            "analytic_distribution": orm.read_value(env, line_model, line_model.fields["analytic_distribution"],
                                                    line, None, None),
            "display_type": line["display_type"] or "product",
        }))
    return {
        "move_type": move["move_type"], "journal_id": journal_id, "date": date, "ref": ref,
        "partner_id": move["partner_id"] or False, "currency_id": move["currency_id"] or False,
        "reversed_entry_id": move["id"], "line_ids": lines,
    }


methods.EXTRA_METHODS.extend([
    methods.Method("action_post", action_post, "records", models=("account.move",)),
    methods.Method("button_draft", button_draft, "records", models=("account.move",)),
    methods.Method("reverse_moves", reverse_moves, "records", models=("account.move.reversal",)),
    # NOTE: 18.0's wizard names the plain reversal refund_moves. The sandbox serves it as an
    # alias of reverse_moves from 18.0 on, which was not checked against the 18.0 wizard.
    methods.Method("refund_moves", reverse_moves, "records", since=18, models=("account.move.reversal",)),
])
