"""Wire formats: XML-RPC faults (both routes), JSON-RPC error objects and JSON-2 error bodies.

XML-RPC fault mapping follows odoo/addons/base/controllers/rpc.py (17.0/18.0); JSON-RPC errors
follow ``serialize_exception`` and ``JsonRPCDispatcher`` in odoo/http.py; JSON-2 statuses follow
addons/rpc/controllers/json2.py where the stored sources show them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import traceback
import xmlrpc.client
from typing import Any

from .exceptions import (
    AccessDenied, AccessError, MissingError, RedirectWarning, UserError, exception_message, qualified_name,
)

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def format_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


# -- XML-RPC ---------------------------------------------------------------------------------

def xmlrpc_fault_int(exc: BaseException) -> xmlrpc.client.Fault:
    """Fault of the ``/xmlrpc/2/*`` routes: integer codes 1 to 4."""
    message = exception_message(exc)
    if isinstance(exc, (RedirectWarning, MissingError)):
        return xmlrpc.client.Fault(2, message)
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault(4, message)
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault(3, message)
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault(2, message)
    return xmlrpc.client.Fault(1, format_traceback(exc))


def xmlrpc_fault_string(exc: BaseException) -> xmlrpc.client.Fault:
    """Fault of the legacy ``/xmlrpc/*`` routes: the message travels in faultCode."""
    message = exception_message(exc)
    if isinstance(exc, RedirectWarning):
        return xmlrpc.client.Fault(f"warning -- Warning\n\n{message}", "")
    if isinstance(exc, MissingError):
        return xmlrpc.client.Fault(f"warning -- MissingError\n\n{message}", "")
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault(f"warning -- AccessError\n\n{message}", "")
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault("AccessDenied", message)
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault(f"warning -- UserError\n\n{message}", "")
    return xmlrpc.client.Fault(str(exc), format_traceback(exc))


def xmlrpc_arguments(value: Any) -> Any:
    """Convert XML-RPC DateTime and Binary arguments to the strings and bytes the ORM takes."""
    if isinstance(value, xmlrpc.client.DateTime):
        return dt.datetime.strptime(value.value, "%Y%m%dT%H:%M:%S").strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, xmlrpc.client.Binary):
        return value.data
    if isinstance(value, list):
        return [xmlrpc_arguments(item) for item in value]
    if isinstance(value, tuple):
        return tuple(xmlrpc_arguments(item) for item in value)
    if isinstance(value, dict):
        return {key: xmlrpc_arguments(item) for key, item in value.items()}
    return value


def xmlrpc_result(value: Any) -> Any:
    """Prepare a result for marshalling: dates as strings, control characters stripped."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, (list, tuple)):
        return [xmlrpc_result(item) for item in value]
    if isinstance(value, dict):
        return {str(key): xmlrpc_result(item) for key, item in value.items()}
    return value


def xmlrpc_response(result: Any) -> bytes:
    """Marshal a result with allow_none=False, so None raises TypeError as in Odoo."""
    return xmlrpc.client.dumps((xmlrpc_result(result),), methodresponse=True, allow_none=False).encode()


def xmlrpc_fault_response(fault: xmlrpc.client.Fault) -> bytes:
    return xmlrpc.client.dumps(fault, allow_none=False).encode()


# -- JSON-RPC --------------------------------------------------------------------------------

def serialize_exception(exc: BaseException) -> dict:
    return {
        "name": qualified_name(exc),
        "debug": format_traceback(exc),
        "message": exception_message(exc),
        "arguments": [jsonable(arg) for arg in exc.args],
        "context": getattr(exc, "context", {}),
    }


def jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def jsonrpc_result(request_id: Any, result: Any) -> dict:
    response = {"jsonrpc": "2.0", "id": request_id}
    # odoo/http.py leaves out "result" when the method returned None.
    if result is not None:
        response["result"] = result
    return response


def jsonrpc_error(request_id: Any, exc: BaseException) -> dict:
    # NOTE: code 200 is the 17.0/18.0 value; later http.py versions use 0, not checked for 19.0.
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {"code": 200, "message": "Odoo Server Error", "data": serialize_exception(exc)},
    }


# -- JSON-2 ------------------------------------------------------------------------------------

def json2_status(exc: BaseException) -> int:
    """HTTP status of a JSON-2 error.

    NOTE: 401 for a bad key, 404 for an unknown model or method and 422 for bad arguments or a
    ValidationError are documented or observed; 403 for AccessError and 500 for the rest are
    assumptions.
    """
    from .service import Json2ArgumentError, UnknownModelMethod

    if isinstance(exc, AccessDenied):
        return 401
    if isinstance(exc, (UnknownModelMethod, MissingError)):
        return 404
    if isinstance(exc, UserError) and str(exc).startswith("Object ") and str(exc).endswith("doesn't exist"):
        return 404
    if isinstance(exc, AccessError):
        return 403
    if isinstance(exc, (Json2ArgumentError, TypeError, UserError)):
        return 422
    return 500


def json2_error_body(exc: BaseException) -> dict:
    body = serialize_exception(exc)
    return {key: body[key] for key in ("name", "message", "arguments", "context", "debug")}
