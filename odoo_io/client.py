"""A thin client over odoo-client-lib: protocol choice, timeouts, retries with backoff."""

from __future__ import annotations

import logging
import math
import random
import time
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import odoolib
import odoolib.json2
from odoolib.rpc import Connection, JsonRPCConnector, XmlRPCConnector
from odoolib.tools import JsonRPCException

from odoo_io.errors import OdooError, OdooTransientError, classify

T = TypeVar("T")

PROTOCOLS = ("xmlrpc", "xmlrpcs", "jsonrpc", "jsonrpcs", "json2", "json2s")

logger = logging.getLogger(__name__)


class _TimeoutMixin:
    """Give each HTTP connection of an xmlrpc.client transport a socket timeout in seconds."""

    def __init__(self, timeout: float):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


class _TimeoutTransport(_TimeoutMixin, xmlrpc.client.Transport):
    pass


class _TimeoutSafeTransport(_TimeoutMixin, xmlrpc.client.SafeTransport):
    pass


class XmlRPCTimeoutConnector(XmlRPCConnector):
    """odoolib's XML-RPC connector with a socket timeout and allow_none replies.

    allow_none lets a method that returns None (Odoo's button_draft, check_access)
    come back as None instead of a marshalling fault on our side.
    """

    def __init__(self, hostname: str, port: int, timeout: float, secure: bool = False):
        super().__init__(hostname, port)
        scheme = "https" if secure else "http"
        self.url = f"{scheme}://{hostname}:{port}/xmlrpc"
        self._transport_class = _TimeoutSafeTransport if secure else _TimeoutTransport
        self._timeout = timeout

    def send(self, service_name, method, *args):
        proxy = xmlrpc.client.ServerProxy(
            f"{self.url}/{service_name}",
            transport=self._transport_class(self._timeout),
            allow_none=True,
        )
        return getattr(proxy, method)(*args)


class JsonRPCTimeoutConnector(JsonRPCConnector):
    """odoolib's JSON-RPC connector with a configurable timeout (the library uses httpx's 5 s)."""

    def __init__(self, hostname: str, port: int, timeout: float, secure: bool = False):
        super().__init__(hostname, port)
        scheme = "https" if secure else "http"
        self.url = f"{scheme}://{hostname}:{port}/jsonrpc"
        # One client per connector: httpx.post builds a new client per call, and loading
        # the CA bundle each time cost about 25 ms per request (benchmarks/RESULTS.md).
        self._http = httpx.Client(timeout=timeout)

    def send(self, service_name, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service_name, "method": method, "args": args},
            "id": random.randint(0, 1_000_000_000),
        }
        response = self._http.post(self.url, json=payload)
        if response.status_code != 200:
            raise httpx.HTTPStatusError(
                f"HTTP {response.status_code} from {self.url}", request=response.request, response=response
            )
        body = response.json()
        if body.get("error"):
            raise JsonRPCException(body["error"])
        return body.get("result", False)


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NaT and numpy NaN scalars compare unequal to themselves.
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def drop_empty_values(values: dict) -> dict:
    """Drop keys whose value is None, NaN or NaT, recursing into x2many command tuples.

    XML-RPC cannot marshal None, and a NaN from pandas would arrive in Odoo as a float;
    an absent key lets Odoo apply its default (False for a many2one).
    """
    cleaned = {}
    for key, value in values.items():
        if _is_empty(value):
            continue
        if isinstance(value, list):
            value = [
                (command[0], command[1], drop_empty_values(command[2]))
                if isinstance(command, list | tuple) and len(command) == 3 and isinstance(command[2], dict)
                else command
                for command in value
            ]
        cleaned[key] = value
    return cleaned


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter for the given 1-based attempt."""
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)


class OdooClient:
    """One authenticated connection; every call goes through odoo-client-lib."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        protocol: str,
        database: str,
        login: str,
        password: str,
        timeout_seconds: float = 60.0,
        retry: RetryPolicy | None = None,
        log: logging.Logger | None = None,
    ):
        if protocol not in PROTOCOLS:
            raise ValueError(f"Odoo protocol {protocol!r} is not supported; use one of {', '.join(PROTOCOLS)}")
        self.protocol = protocol
        self.database = database
        self.retry = retry or RetryPolicy()
        self.log = log or logger
        self._connection = self._connect(host, port, protocol, database, login, password, timeout_seconds)
        self.transient_retries = 0

    @staticmethod
    def _connect(host, port, protocol, database, login, password, timeout):
        secure = protocol.endswith("s")
        if protocol.startswith("json2"):
            # odoolib reads this module constant for every JSON-2 request.
            odoolib.json2.DEFAULT_TIMEOUT = timeout
            return odoolib.get_connection(
                hostname=host, protocol=protocol, port=int(port), database=database, login=login, password=password
            )
        if protocol.startswith("xmlrpc"):
            connector = XmlRPCTimeoutConnector(host, int(port), timeout, secure)
        else:
            connector = JsonRPCTimeoutConnector(host, int(port), timeout, secure)
        return Connection(connector, database, login, password)

    @property
    def is_json2(self) -> bool:
        return self.protocol.startswith("json2")

    # -- calls -----------------------------------------------------------------

    def call(self, model: str, method: str, *args: Any, retry: bool = True, **kwargs: Any) -> Any:
        """Call a model method; transient faults are retried only when retry=True (reads)."""
        proxy = getattr(self._connection.get_model(model), method)
        return self._run(lambda: proxy(*args, **kwargs), f"{model}.{method}", retry=retry)

    def _run(self, operation: Callable[[], T], label: str, *, retry: bool) -> T:
        attempt = 1
        while True:
            try:
                return operation()
            except Exception as raw:  # noqa: BLE001 - every failure is classified below
                error = classify(raw)
                if not isinstance(error, OdooTransientError) or not retry or attempt >= self.retry.max_attempts:
                    raise error from raw
                delay = self.retry.delay(attempt)
                self.transient_retries += 1
                self.log.warning(
                    "Odoo call %s failed (%s); retry %d of %d in %.1f s",
                    label, error, attempt, self.retry.max_attempts - 1, delay,
                )
                time.sleep(delay)
                attempt += 1

    def search_read(
        self,
        model: str,
        domain: list,
        fields: list[str],
        *,
        context: dict | None = None,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict]:
        """Search and read in one logical step (odoolib does two calls on XML-RPC and JSON-RPC)."""
        paging: dict[str, Any] = {}
        if order:
            paging["order"] = order
        if limit:
            paging["limit"] = limit
        if offset:
            paging["offset"] = offset
        if self.is_json2:
            kwargs: dict[str, Any] = {"domain": domain, "fields": fields, **paging}
            if context:
                kwargs["context"] = context
            return self.call(model, "search_read", **kwargs)
        # odoolib's Model.search_read runs search then read (two calls, two transactions);
        # its generic proxy calls the server's own search_read in one call instead.
        server_search_read = self._connection.get_model(model).__getattr__("search_read")
        kwargs = {"fields": fields, "context": context or {}, **paging}
        return self._run(lambda: server_search_read(domain, **kwargs), f"{model}.search_read", retry=True)

    def search_read_pages(self, model: str, domain: list, fields: list[str], *, page_size: int = 500) -> Iterator[dict]:
        """Yield every matching record, reading ``page_size`` at a time in id order."""
        offset = 0
        while True:
            page = self.search_read(model, domain, fields, order="id", limit=page_size, offset=offset)
            yield from page
            if len(page) < page_size:
                return
            offset += page_size

    def read_group(self, model: str, domain: list, fields: list[str], groupby: list[str]) -> list[dict]:
        """Sum ``fields`` (e.g. "amount:sum") over groups of ``groupby``, all groupings at once (lazy=False)."""
        if self.is_json2:
            return self.call(model, "read_group", domain=domain, fields=fields, groupby=groupby, lazy=False)
        return self.call(model, "read_group", domain, fields, groupby, lazy=False)

    def fields_get(self, model: str, attributes: list[str] | None = None) -> dict:
        return self.call(model, "fields_get", attributes=attributes or ["type", "relation", "required"])

    def create_many(self, model: str, vals_list: list[dict]) -> list[int]:
        """Create records in ONE call; never retried here because the outcome may be unknown.

        The caller looks up what exists before trying again (see odoo_io.timesheets).
        """
        vals_list = [drop_empty_values(values) for values in vals_list]
        if self.is_json2:
            result = self.call(model, "create", vals_list=vals_list, retry=False)
        else:
            result = self.call(model, "create", vals_list, retry=False)
        if isinstance(result, int):
            return [result]
        return list(result)

    def check_connection(self) -> int | None:
        """Authenticate now (odoolib logs in lazily) and return the user id where the protocol has one."""
        if self.is_json2:
            self.search_read("res.company", [], ["name"])
            return None
        # A refused login is not transient, so only a lost connection or a timeout is retried.
        self._run(lambda: self._connection.check_login(force=True), "login", retry=True)
        return self._connection.user_id


__all__ = ["OdooClient", "OdooError", "RetryPolicy", "PROTOCOLS"]
