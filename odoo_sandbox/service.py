"""The RPC services: ``common``, ``object`` and ``db``, plus the JSON-2 call, over one database.

Reproduces odoo/service/common.py, odoo/service/model.py and odoo/service/db.py: credentials are
re-checked on every ``object`` call, method names starting with '_' are refused, and each call
runs in one transaction that commits on success and rolls back on any error.
"""

from __future__ import annotations

import contextlib
import sqlite3
import logging
import threading
from typing import Any

from . import DEFAULT_DATABASE, DEFAULT_VERSION, SUPPORTED_VERSIONS, methods, orm, rules_account, rules_base, rules_timesheet  # noqa: F401
from .credentials import COOLDOWN_MESSAGE, CredentialChecker, LoginCooldown
from .exceptions import AccessDenied, AccessError, DatabaseNotFound, UserError
from .models import build_registry
from .storage import connect, ensure_schema, get_meta, set_meta

_logger = logging.getLogger(__name__)


class MethodNotFound(Exception):
    """An unknown method of a service; Odoo raises a plain Exception with this text."""

    qualified_name = "builtins.Exception"


class UnknownModelMethod(AttributeError):
    qualified_name = "builtins.AttributeError"


class Sandbox:
    """One sandbox database: its SQLite connection, served version, models and auth state."""

    def __init__(self, db_path: str, version: str | None = None, database: str | None = None,
                 login_cooldown_after: int = 5, login_cooldown_seconds: float = 60):
        self.db_path = str(db_path)
        self.conn = connect(self.db_path)
        stored_version = get_meta_safe(self.conn, "version")
        if version is None:
            version = stored_version or DEFAULT_VERSION
        if version not in SUPPORTED_VERSIONS:
            raise ValueError(f"Unsupported Odoo version {version!r}; expected one of {', '.join(SUPPORTED_VERSIONS)}")
        if stored_version and stored_version != version:
            raise ValueError(
                f"Invalid version {version!r} for {self.db_path}: the database was created for Odoo "
                f"{stored_version}. Start with --version {stored_version} or use another data directory."
            )
        self.version = version
        self.major = int(version.split(".")[0])
        self.registry = build_registry(version)
        self.lock = threading.RLock()
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            ensure_schema(self.conn, self.registry)
            set_meta(self.conn, "version", version)
            stored_database = get_meta(self.conn, "database")
            if stored_database is None:
                set_meta(self.conn, "database", database or DEFAULT_DATABASE)
            self.conn.execute("COMMIT")
        self.database = get_meta(self.conn, "database")
        if database and database != self.database:
            raise ValueError(f"The database {self.db_path} is named {self.database!r}, not {database!r}")
        self.credentials = CredentialChecker()
        self.cooldown = LoginCooldown(login_cooldown_after, login_cooldown_seconds)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @property
    def is_seeded(self) -> bool:
        return get_meta(self.conn, "seeded") is not None

    def environment(self, uid: int, context: dict | None = None, su: bool = False) -> orm.Environment:
        return orm.Environment(self.conn, self.registry, self.version, uid, context, su)

    @contextlib.contextmanager
    def transaction(self):
        """Run a block in one SQLite transaction: commit on success, roll back on any error."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- common ----------------------------------------------------------------------------

    def version_info(self) -> dict:
        return {
            "server_version": self.version,
            "server_version_info": [self.major, 0, 0, "final", 0, ""],
            "server_serie": self.version,
            "protocol_version": 1,
        }

    def dispatch_common(self, method: str, params: list, source: str) -> Any:
        if method == "version":
            return self.version_info()
        if method == "login":
            db, login, password = params[:3]
            return self.authenticate(db, login, password, source)
        if method == "authenticate":
            db, login, password = params[:3]
            return self.authenticate(db, login, password, source)
        raise MethodNotFound(f"Method not found: {method}")

    def check_database(self, db: Any) -> None:
        if db != self.database:
            raise DatabaseNotFound(f'connection to server failed: FATAL:  database "{db}" does not exist')

    def authenticate(self, db: str, login: str, password: str, source: str) -> int | bool:
        """Return the uid, or False for bad credentials or during the login cooldown."""
        self.check_database(db)
        try:
            return self._check_login(login, password, source)
        except AccessDenied as exc:
            _logger.info("Login failed for %r from %s: %s", login, source, exc)
            return False

    def _check_login(self, login: str, password: str, source: str) -> int:
        if self.cooldown.on_cooldown(source):
            raise AccessDenied(COOLDOWN_MESSAGE)
        with self.lock:
            row = self.conn.execute("SELECT id FROM res_users WHERE login = ? AND active = 1", (login,)).fetchone()
            valid = bool(row) and self.credentials.matches(self.conn, row[0], password)
        if not valid:
            self.cooldown.record_failure(source)
            raise AccessDenied()
        self.cooldown.record_success(source)
        return row[0]

    def check_credentials(self, uid: Any, password: Any, source: str) -> int:
        """Re-check uid and password (or API key) as security.check does; raise AccessDenied."""
        if self.cooldown.on_cooldown(source):
            raise AccessDenied(COOLDOWN_MESSAGE)
        try:
            uid = int(uid)
        except (TypeError, ValueError):
            raise AccessDenied() from None
        if not password or not isinstance(password, str):
            raise AccessDenied()
        with self.lock:
            row = self.conn.execute("SELECT id FROM res_users WHERE id = ? AND active = 1", (uid,)).fetchone()
            if not row or not self.credentials.matches(self.conn, uid, password):
                raise AccessDenied()
        return uid

    # -- object ----------------------------------------------------------------------------

    def dispatch_object(self, method: str, params: list, source: str) -> Any:
        db, uid, password = params[0], params[1], params[2]
        self.check_database(db)
        uid = self.check_credentials(uid, password, source)
        if method == "execute":
            model, name, *args = params[3:]
            return self.execute(uid, model, name, list(args), {})
        if method == "execute_kw":
            model, name, args = params[3], params[4], params[5]
            kwargs = params[6] if len(params) > 6 else None
            return self.execute(uid, model, name, list(args or []), dict(kwargs or {}))
        raise NameError(f"Method not available {method}")

    def check_method_name(self, model: str, name: str) -> None:
        if not isinstance(name, str):
            raise ValueError(f"Invalid method name {name!r}")
        if self.major >= 19:
            # Newer odoo/service/model.py (get_public_method).
            if name.startswith("_"):
                raise AccessError(f"Private methods (such as '{model}.{name}') cannot be called remotely.")
            return
        # odoo/models.py check_method_name (17.0).
        if name.startswith("_") or name == "init":
            raise AccessError(f"Private methods (such as {name}) cannot be called remotely.")

    def unknown_method(self, model: str, name: str) -> Exception:
        # NOTE: the 17/18 text is Python's own AttributeError from getattr() in odoo/api.py;
        # not checked against a running Odoo.
        if self.major >= 19:
            return UnknownModelMethod(f"The method '{model}.{name}' does not exist")
        return UnknownModelMethod(f"type object '{model}' has no attribute '{name}'")

    def execute(self, uid: int, model_name: str, name: str, args: list, kwargs: dict) -> Any:
        """Run one model method for ``uid`` in its own transaction."""
        self.check_method_name(model_name, name)
        context = kwargs.pop("context", None) or {}
        if not isinstance(context, dict):
            raise ValueError(f"Invalid context {context!r}: expected a dictionary")
        with self.transaction():
            env = self.environment(uid, context)
            model = env.model(model_name)
            method = methods.find_method(env, model, name)
            if method is None:
                raise self.unknown_method(model_name, name)
            return method.function(env, model, *args, **kwargs)

    def execute_json2(self, uid: int, model_name: str, name: str, body: dict) -> Any:
        """Run a JSON-2 call: named arguments plus ``ids`` and ``context``; recordsets become id lists."""
        body = dict(body)
        context = body.pop("context", None) or {}
        ids = body.pop("ids", None)
        self.check_method_name(model_name, name)
        with self.transaction():
            env = self.environment(uid, context)
            model = env.model(model_name)
            method = methods.find_method(env, model, name)
            if method is None:
                raise self.unknown_method(model_name, name)
            if method.api == "model":
                if ids:
                    raise Json2ArgumentError(f"cannot call {model_name}.{name} with ids")
                function = methods.create_json2 if name == "create" else method.function
                return function(env, model, **body)
            return method.function(env, model, ids or [], **body)

    def user_for_api_key(self, key: str) -> int | None:
        with self.lock:
            return self.credentials.user_for_api_key(self.conn, key)

    # -- db ------------------------------------------------------------------------------------

    def dispatch_db(self, method: str, params: list) -> Any:
        if method == "list":
            return [self.database]
        if method == "db_exist":
            return params[0] == self.database
        if method == "server_version":
            return self.version
        if method == "list_lang":
            return [["en_US", "English (US)"]]
        raise MethodNotFound(f"Method not found: {method}")

    def dispatch(self, service: str, method: str, params: list, source: str) -> Any:
        """Dispatch an XML-RPC or JSON-RPC call as odoo/http.py dispatch_rpc does."""
        params = list(params or [])
        if service == "common":
            return self.dispatch_common(method, params, source)
        if service == "object":
            return self.dispatch_object(method, params, source)
        if service == "db":
            return self.dispatch_db(method, params)
        raise MethodNotFound(f"Method not found: {service}.{method}")


class Json2ArgumentError(UserError):
    """Arguments that JSON-2 rejects with HTTP 422 before calling the method."""


def get_meta_safe(conn, key: str) -> str | None:
    try:
        return get_meta(conn, key)
    except sqlite3.OperationalError:  # the metadata table does not exist yet in a new database
        return None
