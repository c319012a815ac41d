"""HTTP server: Odoo's RPC routes on a stdlib ThreadingHTTPServer, plus the fault-injection route.

Routes:
  POST /xmlrpc/2/common|object|db   XML-RPC, integer faultCode
  POST /xmlrpc/common|object|db     XML-RPC, legacy string faultCode (what odoo-client-lib uses)
  POST /jsonrpc                     JSON-RPC 2.0, errors as an error object with HTTP 200
  POST /json/2/<model>/<method>     JSON-2 with a bearer API key (served version 19.0 and later)
  GET  /doc-bearer/<model>.json     method parameter names for JSON-2 clients (19.0 and later)
  GET|POST|DELETE /sandbox/faults   list, add or clear injected faults (administrator, HTTP Basic)
"""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import threading
import time
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import urlsplit

from . import access, methods, protocols
from .exceptions import AccessDenied, SerializationFailure
from .faults import FaultInjector, FaultRule, error_page
from .service import Sandbox

_logger = logging.getLogger(__name__)

XMLRPC_ROUTE = re.compile(r"^/xmlrpc/(?:(2)/)?(common|object|db)$")
JSON2_ROUTE = re.compile(r"^/json/2/([\w.]+)/(\w+)$")
DOC_ROUTE = re.compile(r"^/doc-bearer/([\w.]+)\.json$")
MAX_BODY_BYTES = 64 * 1024 * 1024
ADMIN_GROUP = "base.group_system"


class FaultApplied(Exception):
    """The injected fault replaced the response; the handler has nothing more to send."""


class SandboxRequestHandler(BaseHTTPRequestHandler):
    server_version = "OdooSandbox/1.0"
    protocol_version = "HTTP/1.0"

    @property
    def sandbox(self) -> Sandbox:
        return self.server.sandbox

    @property
    def injector(self) -> FaultInjector:
        return self.server.injector

    def log_message(self, format: str, *args: Any) -> None:
        _logger.debug("%s %s", self.address_string(), format % args)

    # -- plumbing --------------------------------------------------------------------------

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError(f"Request body of {length} bytes exceeds the {MAX_BODY_BYTES}-byte limit")
        return self.rfile.read(length) if length else b""

    def send(self, status: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, payload: Any) -> None:
        self.send(status, "application/json; charset=utf-8", json.dumps(payload).encode())

    def not_found(self) -> None:
        self.send(404, "text/html; charset=utf-8", b"<h1>404: Not Found</h1>")

    def apply_fault(self, rule: FaultRule | None, when: str) -> None:
        """Carry out ``rule`` at this point of the call; raise FaultApplied if it ends the request."""
        if rule is None or rule.when != when:
            return
        _logger.info("Injecting fault %s %s on %s.%s", rule.action, rule.when, rule.model, rule.method)
        if rule.action == "delay":
            time.sleep(float(rule.delay_seconds))
            return
        if rule.action == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            raise FaultApplied()
        headers = {"Retry-After": "1"} if rule.status in (429, 503) else None
        self.send(rule.status, "text/html", error_page(rule.status), headers)
        raise FaultApplied()

    def run_with_faults(self, model: str | None, method: str | None, call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
        """Run ``call`` between the before/after fault points; return (result, exception)."""
        rule = self.injector.take(model, method) if model and method else None
        if rule is not None and rule.action == "serialization":
            _logger.info("Injecting a serialization failure on %s.%s", model, method)
            return None, SerializationFailure("could not serialize access due to concurrent update")
        self.apply_fault(rule, "before")
        result, error = None, None
        try:
            result = call()
        except Exception as exc:  # every error becomes a fault or error response
            error = exc
        self.apply_fault(rule, "after")
        return result, error

    # -- routing -------------------------------------------------------------------------

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        try:
            if (match := XMLRPC_ROUTE.match(path)):
                self.handle_xmlrpc(match.group(2), integer_faults=bool(match.group(1)))
            elif path == "/jsonrpc":
                self.handle_jsonrpc()
            elif (match := JSON2_ROUTE.match(path)) and self.sandbox.major >= 19:
                self.handle_json2(match.group(1), match.group(2))
            elif path == "/sandbox/faults":
                self.handle_faults("POST")
            else:
                self.not_found()
        except FaultApplied:
            pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if (match := DOC_ROUTE.match(path)) and self.sandbox.major >= 19:
            self.handle_doc(match.group(1))
        elif path == "/sandbox/faults":
            self.handle_faults("GET")
        else:
            self.not_found()

    def do_DELETE(self) -> None:
        if urlsplit(self.path).path == "/sandbox/faults":
            self.handle_faults("DELETE")
        else:
            self.not_found()

    # -- XML-RPC -------------------------------------------------------------------------

    def handle_xmlrpc(self, service: str, integer_faults: bool) -> None:
        to_fault = protocols.xmlrpc_fault_int if integer_faults else protocols.xmlrpc_fault_string
        try:
            params, method = xmlrpc.client.loads(self.read_body())
            params = protocols.xmlrpc_arguments(list(params))
        except Exception as exc:  # malformed XML-RPC request
            _logger.info("Malformed XML-RPC request from %s: %s", self.client_address[0], exc)
            self.send(200, "text/xml", protocols.xmlrpc_fault_response(to_fault(exc)))
            return
        model, name = call_target(service, method, params)
        result, error = self.run_with_faults(
            model, name, lambda: self.sandbox.dispatch(service, method, params, self.client_address[0]))
        if error is None:
            try:
                body = protocols.xmlrpc_response(result)
            except Exception as exc:  # e.g. a method returned None: Odoo faults after the commit
                error = exc
        if error is not None:
            log_error(service, method, error)
            body = protocols.xmlrpc_fault_response(to_fault(error))
        self.send(200, "text/xml", body)

    # -- JSON-RPC ------------------------------------------------------------------------

    def handle_jsonrpc(self) -> None:
        try:
            request = json.loads(self.read_body())
            params = request.get("params") or {}
            service, method, args = params["service"], params["method"], list(params.get("args") or [])
        except (ValueError, KeyError, TypeError, AttributeError):
            self.send(400, "text/html; charset=utf-8", b"<p>Invalid JSON data</p>")
            return
        request_id = request.get("id")
        model, name = call_target(service, method, args)
        result, error = self.run_with_faults(
            model, name, lambda: self.sandbox.dispatch(service, method, args, self.client_address[0]))
        if error is not None:
            log_error(service, method, error)
            self.send_json(200, protocols.jsonrpc_error(request_id, error))
        else:
            self.send_json(200, protocols.jsonrpc_result(request_id, result))

    # -- JSON-2 ----------------------------------------------------------------------------

    def bearer_uid(self) -> int | None:
        header = self.headers.get("Authorization") or ""
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return None
        database = self.headers.get("X-Odoo-Database")
        if database and database != self.sandbox.database:
            return None
        return self.sandbox.user_for_api_key(key.strip())

    def handle_json2(self, model: str, method: str) -> None:
        uid = self.bearer_uid()
        if uid is None:
            error = AccessDenied("Invalid apikey")
            body = protocols.json2_error_body(error)
            body["name"] = "werkzeug.exceptions.Unauthorized"
            self.send_json(401, body)
            return
        try:
            body = json.loads(self.read_body() or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the request body must be a JSON object of named arguments")
        except ValueError as exc:
            self.send_json(400, {"name": "werkzeug.exceptions.BadRequest", "message": f"Invalid JSON data: {exc}"})
            return
        result, error = self.run_with_faults(model, method, lambda: self.sandbox.execute_json2(uid, model, method, body))
        if error is not None:
            log_error("json2", f"{model}.{method}", error)
            self.send_json(protocols.json2_status(error), protocols.json2_error_body(error))
        else:
            self.send_json(200, result)

    def handle_doc(self, model_name: str) -> None:
        uid = self.bearer_uid()
        if uid is None:
            self.send_json(401, {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"})
            return
        env = self.sandbox.environment(uid)
        model = self.sandbox.registry.get(model_name)
        if model is None:
            self.not_found()
            return
        with self.sandbox.lock:
            served = methods.model_methods(env, model)
        payload = {
            "model": model.name,
            "name": model.description,
            "fields": {name: {"type": f.type, "string": f.string} for name, f in model.fields.items()},
            "methods": {
                method.name: {
                    "parameters": {name: {"name": name} for name in method.parameters()},
                    **({"api": ["model"]} if method.api == "model" else {}),
                }
                for method in served
            },
        }
        self.send_json(200, payload)

    # -- fault injection ---------------------------------------------------------------------

    def is_administrator(self) -> bool:
        header = self.headers.get("Authorization") or ""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            login, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        uid = self.sandbox.authenticate(self.sandbox.database, login, password, self.client_address[0])
        if not uid:
            return False
        with self.sandbox.lock:
            return access.user_has_group(self.sandbox.environment(uid), ADMIN_GROUP)

    def handle_faults(self, verb: str) -> None:
        if not self.is_administrator():
            self.send_json(401, {"error": "administrator login and password required (HTTP Basic)"})
            return
        if verb == "GET":
            self.send_json(200, {"faults": self.injector.pending()})
        elif verb == "DELETE":
            self.injector.clear()
            self.send_json(200, {"faults": []})
        else:
            try:
                spec = json.loads(self.read_body() or b"{}")
                rule = self.injector.add(FaultRule(**spec))
            except (ValueError, TypeError) as exc:
                self.send_json(400, {"error": f"Invalid fault specification: {exc}"})
                return
            self.send_json(200, {"added": rule.__dict__, "faults": self.injector.pending()})


def call_target(service: str, method: str, params: list) -> tuple[str | None, str | None]:
    """Return the (model, method) a call targets, for fault matching; ("common", name) for common."""
    if service == "object" and method in ("execute", "execute_kw") and len(params) >= 5:
        return str(params[3]), str(params[4])
    if service == "common":
        return "common", method
    return None, None


def log_error(service: str, method: str, error: BaseException) -> None:
    _logger.info("RPC %s.%s failed: %s: %s", service, method, type(error).__name__, error)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, sandbox: Sandbox, injector: FaultInjector):
        self.sandbox = sandbox
        self.injector = injector
        super().__init__(address, SandboxRequestHandler)


class SandboxServer:
    """A sandbox database served over HTTP from a background thread.

    ``SandboxServer(db_path, version="17.0", port=0, seed="demo").start()`` returns the running
    server; ``port`` is the bound port and ``stop()`` shuts it down.

    ``credentials`` may set ``admin_password``, ``api_password`` and ``api_key`` for the demo seed.
    Missing ones come from ``odoo_sandbox.seed.resolve_credentials``. When ``start()`` seeds the
    database, ``seeded_credentials`` contains the secrets it stored. It stays None when the
    database was seeded before, because the database keeps only digests.
    """

    def __init__(self, db_path, version: str | None = None, host: str = "127.0.0.1", port: int = 0,
                 database: str | None = None, seed: str | None = None, credentials: dict | None = None,
                 login_cooldown_after: int = 5, login_cooldown_seconds: float = 60):
        self.db_path = str(db_path)
        self.version = version
        self.host = host
        self.requested_port = port
        self.database_name = database
        self.seed = seed
        self.credentials = credentials or {}
        self.seeded_credentials: dict[str, str] | None = None
        self.login_cooldown_after = login_cooldown_after
        self.login_cooldown_seconds = login_cooldown_seconds
        self.injector = FaultInjector()
        self.sandbox: Sandbox | None = None
        self.httpd: SandboxHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> "SandboxServer":
        from .seed import resolve_credentials, seed_demo

        self.sandbox = Sandbox(self.db_path, self.version, self.database_name,
                               self.login_cooldown_after, self.login_cooldown_seconds)
        if self.seed == "demo" and not self.sandbox.is_seeded:
            credentials = resolve_credentials(**self.credentials)
            seed_demo(self.sandbox, **credentials)
            self.seeded_credentials = credentials
        elif self.seed not in (None, "demo"):
            raise ValueError(f"Unknown seed {self.seed!r}; expected 'demo' or None")
        self.httpd = SandboxHTTPServer((self.host, self.requested_port), self.sandbox, self.injector)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="odoo-sandbox", daemon=True)
        self.thread.start()
        _logger.info("Odoo sandbox %s serving database %r from %s on http://%s:%d",
                     self.sandbox.version, self.sandbox.database, self.db_path, self.host, self.port)
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.thread is not None:
            self.thread.join(timeout=10)
            self.thread = None
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None
        _logger.info("Odoo sandbox on %s stopped", self.db_path)

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def database(self) -> str:
        return self.sandbox.database

    def inject_fault(self, model: str = "*", method: str = "*", count: int = 1, action: str = "status",
                     status: int = 503, when: str = "before", delay_seconds: float = 0.0) -> FaultRule:
        """Make the next ``count`` matching calls fail; see odoo_sandbox.faults.FaultRule."""
        return self.injector.add(FaultRule(model, method, count, action, status, when, delay_seconds))

    def clear_faults(self) -> None:
        self.injector.clear()

    def pending_faults(self) -> list[dict]:
        return self.injector.pending()
