"""Exception classes named like ``odoo.exceptions`` so faults carry Odoo's class names.

The hierarchy follows odoo/exceptions.py: AccessError, MissingError and ValidationError are
subclasses of UserError, and AccessDenied and RedirectWarning are not.
"""

from __future__ import annotations


class UserError(Exception):
    """A business rule rejected the request; the message is meant for the user."""


class RedirectWarning(Exception):
    """A warning that, in the Odoo web client, offers a redirection."""


class AccessDenied(Exception):
    """Authentication failed: wrong credentials, inactive user or login cooldown."""

    def __init__(self, message: str = "Access Denied"):
        super().__init__(message)


class AccessError(UserError):
    """The user has no right to this operation on this model or record."""


class MissingError(UserError):
    """The record does not exist or has been deleted."""


class ValidationError(UserError):
    """A constraint rejected the values."""


class DatabaseNotFound(Exception):
    """The requested database does not exist; Odoo surfaces psycopg2's OperationalError."""

    qualified_name = "psycopg2.OperationalError"


class SerializationFailure(Exception):
    """PostgreSQL aborted the transaction for a concurrent update; Odoo surfaces psycopg2's error."""

    qualified_name = "psycopg2.errors.SerializationFailure"


ODOO_EXCEPTION_CLASSES = (
    UserError, RedirectWarning, AccessDenied, AccessError, MissingError, ValidationError,
)


def qualified_name(exc: BaseException) -> str:
    """Return the ``module.ClassName`` that Odoo puts in JSON-RPC ``error.data.name``."""
    if isinstance(exc, ODOO_EXCEPTION_CLASSES):
        return f"odoo.exceptions.{type(exc).__name__}"
    explicit = getattr(type(exc), "qualified_name", None)
    if explicit:
        return explicit
    return f"{type(exc).__module__}.{type(exc).__name__}"


def exception_message(exc: BaseException) -> str:
    """Return ``str(exc)`` the way Odoo does, taking the first argument of a one-argument error."""
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        return exc.args[0]
    return str(exc)
