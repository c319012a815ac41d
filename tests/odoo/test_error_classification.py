"""Sorting Odoo failures into retryable and validation faults, for each protocol's fault shape."""

import json
import socket
import xmlrpc.client

import httpx
import pytest
from odoolib.tools import AuthenticationError, JsonRPCException

from odoo_io.client import drop_empty_values
from odoo_io.errors import OdooAuthenticationError, OdooError, OdooTransientError, OdooValidationError, classify


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (xmlrpc.client.Fault("warning -- UserError\n\nThe move is not balanced.", ""), OdooValidationError),
        (xmlrpc.client.Fault("warning -- AccessError\n\nYou are not allowed", ""), OdooValidationError),
        (xmlrpc.client.Fault(2, "Timesheets must be created with an active employee"), OdooValidationError),
        (xmlrpc.client.Fault("AccessDenied", "Access Denied"), OdooAuthenticationError),
        (xmlrpc.client.Fault(1, "Traceback ...\npsycopg2.errors.SerializationFailure: could not serialize access"), OdooTransientError),
        (xmlrpc.client.Fault(1, "Traceback ...\nValueError: Invalid field 'x'"), OdooError),
        (xmlrpc.client.ProtocolError("http://127.0.0.1:8069/xmlrpc/object", 502, "Bad Gateway", {}), OdooTransientError),
        (xmlrpc.client.ProtocolError("http://127.0.0.1:8069/xmlrpc/object", 429, "Too Many Requests", {}), OdooTransientError),
        (JsonRPCException({"code": 200, "message": "Odoo Server Error", "data": {"name": "odoo.exceptions.ValidationError", "message": "bad"}}), OdooValidationError),
        (JsonRPCException({"code": 200, "message": "Odoo Server Error", "data": {"name": "odoo.exceptions.AccessDenied", "message": "Access Denied"}}), OdooAuthenticationError),
        (httpx.ConnectError("connection refused"), OdooTransientError),
        (httpx.ReadTimeout("timed out"), OdooTransientError),
        (socket.timeout("timed out"), OdooTransientError),
        (ConnectionResetError("reset by peer"), OdooTransientError),
        (json.JSONDecodeError("Expecting value", "<html>502</html>", 0), OdooTransientError),
        (ValueError("Unexpected status code 503: <html>busy</html>"), OdooTransientError),
        (ValueError('Unexpected status code 404: {"name": "werkzeug.exceptions.NotFound", "message": "x"}'), OdooError),
        (ValueError("Invalid request: {} for data {}"), OdooValidationError),
        (AuthenticationError("Authentication failure"), OdooAuthenticationError),
    ],
)
def test_classify_fault(error, expected):
    classified = classify(error)

    assert type(classified) is expected


def test_legacy_fault_message_is_extracted():
    fault = xmlrpc.client.Fault("warning -- UserError\n\nTimesheets cannot be created on a private task.", "")

    classified = classify(fault)

    assert str(classified) == "UserError: Timesheets cannot be created on a private task."


def test_drop_empty_values_removes_nulls_before_marshalling():
    payload = {
        "account_id": 512,
        "name": "Labor shop overhead",
        "debit": 260.0,
        "credit": 0.0,
        "partner_id": None,
        "analytic_distribution": float("nan"),
    }

    assert drop_empty_values(payload) == {"account_id": 512, "name": "Labor shop overhead", "debit": 260.0, "credit": 0.0}
