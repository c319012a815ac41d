"""Failure classes of Odoo calls: transient ones to retry, validation ones for a person."""

from __future__ import annotations

import json
import socket
import xmlrpc.client

import httpx
from odoolib.tools import AuthenticationError, JsonRPCException

# Server-side exception classes whose faults mean "the data or the rights are wrong";
# retrying them cannot help (odoo/exceptions.py names, as the RPC layers report them).
VALIDATION_FAULTS = ("UserError", "ValidationError", "AccessError", "MissingError", "RedirectWarning")

# Fault texts Odoo returns when PostgreSQL gave up on a concurrent transaction
# after Odoo's own retries (odoo/service/model.py retrying): safe to retry later.
TRANSIENT_FAULT_MARKERS = (
    "could not serialize access",
    "deadlock detected",
    "could not obtain lock",
    "lock not available",
)

INTEGER_FAULT_CODES = {2: "UserError", 3: "AccessDenied", 4: "AccessError"}

TRANSIENT_HTTP_STATUSES = {408, 429, 500, 502, 503, 504}


class OdooError(Exception):
    """Base class for Odoo call failures; the message never contains credentials."""


class OdooTransientError(OdooError):
    """A failure that may pass: connection lost, timeout, proxy 429/502/503, serialization failure."""


class OdooValidationError(OdooError):
    """Odoo refused the data or the access (UserError, ValidationError, AccessError, MissingError)."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(f"{kind}: {message}")


class OdooAuthenticationError(OdooError):
    """The login, password or API key was refused."""


def classify(error: BaseException) -> OdooError:
    """Map an exception raised by odoo-client-lib to one of the classes above."""
    if isinstance(error, OdooError):
        return error
    if isinstance(error, AuthenticationError):
        return OdooAuthenticationError(str(error))
    if isinstance(error, xmlrpc.client.Fault):
        if isinstance(error.faultCode, int) and error.faultCode in INTEGER_FAULT_CODES:
            # /xmlrpc/2 routes number the classes (odoo/addons/base/controllers/rpc.py).
            kind = INTEGER_FAULT_CODES[error.faultCode]
            if kind == "AccessDenied":
                return OdooAuthenticationError("Access Denied")
            return OdooValidationError(kind, str(error.faultString).strip())
        return _classify_fault_text(str(error.faultCode), str(error.faultString))
    if isinstance(error, JsonRPCException):
        data = error.error.get("data") or {}
        name = str(data.get("name", ""))
        return _classify_fault_text(name, str(data.get("message", error.error.get("message", ""))))
    if isinstance(error, xmlrpc.client.ProtocolError):
        if error.errcode in TRANSIENT_HTTP_STATUSES:
            return OdooTransientError(f"HTTP {error.errcode} from {_strip_credentials(error.url)}")
        return OdooError(f"HTTP {error.errcode} from {_strip_credentials(error.url)}")
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        if status in TRANSIENT_HTTP_STATUSES:
            return OdooTransientError(f"HTTP {status} from {error.request.url}")
        return OdooError(f"HTTP {status} from {error.request.url}")
    if isinstance(error, (httpx.TransportError, socket.timeout, TimeoutError, ConnectionError)):
        return OdooTransientError(f"{type(error).__name__}: {error}")
    if isinstance(error, json.JSONDecodeError):
        # A proxy in front of Odoo returned an HTML error page instead of a JSON-RPC response.
        return OdooTransientError("the server returned a non-JSON response (proxy error page); retry later")
    if isinstance(error, ValueError) and str(error).startswith("Unexpected status code"):
        return _classify_json2_status(str(error))
    if isinstance(error, ValueError) and str(error).startswith("Invalid request"):
        return OdooValidationError("ValidationError", str(error))
    return OdooError(f"{type(error).__name__}: {error}")


def _classify_fault_text(kind_text: str, message: str) -> OdooError:
    combined = f"{kind_text}\n{message}"
    if "AccessDenied" in kind_text:
        return OdooAuthenticationError("Access Denied")
    for name in VALIDATION_FAULTS:
        if name in kind_text:
            return OdooValidationError(name, _fault_message(kind_text, message))
    lowered = combined.lower()
    if any(marker in lowered for marker in TRANSIENT_FAULT_MARKERS):
        return OdooTransientError(_last_line(combined))
    return OdooError(_last_line(combined))


def _classify_json2_status(text: str) -> OdooError:
    # odoolib json2 raises ValueError("Unexpected status code <n>: <body>").
    try:
        status = int(text.split()[3].rstrip(":"))
    except (IndexError, ValueError):
        return OdooError(text)
    if status in TRANSIENT_HTTP_STATUSES:
        return OdooTransientError(f"HTTP {status} from Odoo JSON-2")
    body = text.split(":", 1)[-1]
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        return OdooError(text[:500])
    name = str(payload.get("name", ""))
    return _classify_fault_text(name, str(payload.get("message", "")))


def _fault_message(kind_text: str, message: str) -> str:
    # The legacy /xmlrpc route puts "warning -- UserError\n\n<msg>" in faultCode
    # and leaves faultString empty; /xmlrpc/2 and JSON-RPC carry the message apart.
    if message.strip():
        return message.strip()
    return kind_text.split("\n\n", 1)[-1].strip()


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text


def _strip_credentials(url: str) -> str:
    # ServerProxy URLs never carry credentials here, but keep any user:pass@ out of messages.
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return url
