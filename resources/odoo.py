"""Odoo as a Dagster resource: connection settings, posting chunk size and retry policy."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from odoo_io.access import verify_access
from odoo_io.client import OdooClient, RetryPolicy


class OdooResource(dg.ConfigurableResource):
    """An Odoo 17, 18 or 19 server (or the sandbox), reached through odoo-client-lib."""

    host: str = Field(default="127.0.0.1", description="host name of the Odoo server")
    port: int = Field(default=8069, description="HTTP(S) port of the Odoo server")
    protocol: str = Field(
        default="jsonrpc",
        description="xmlrpc or jsonrpc for Odoo 17/18; json2 (API key as password) for Odoo 19 and later; add 's' for TLS",
    )
    database: str = Field(description="Odoo database name")
    login: str = Field(description="login of the API user (not an administrator)")
    password: str = Field(description="password or API key of the API user; pass as EnvVar", repr=False)
    timeout_seconds: float = Field(default=60.0, description="timeout of one RPC call, in seconds")
    chunk_size: int = Field(default=200, description="records created per create call")
    max_attempts: int = Field(default=5, description="attempts per call when the failure is transient")
    backoff_seconds: float = Field(default=1.0, description="first retry delay in seconds; doubles per attempt")

    def get_client(self, log=None, *, verify_for: str | None = None) -> OdooClient:
        """Connect; with ``verify_for`` (a domain), first check the API user's rights for that domain.

        A missing right raises odoo_io.access.AccessMissing before any data moves.
        """
        client = OdooClient(
            host=self.host,
            port=self.port,
            protocol=self.protocol,
            database=self.database,
            login=self.login,
            password=self.password,
            timeout_seconds=self.timeout_seconds,
            retry=RetryPolicy(max_attempts=self.max_attempts, backoff_seconds=self.backoff_seconds),
            log=log,
        )
        if verify_for:
            verify_access(client, verify_for, self.login, client.log)
        return client

    def describe(self) -> str:
        """Describe the posting target without credentials, for logs and metadata."""
        return f"{self.protocol}://{self.host}:{self.port}/{self.database} as {self.login}"
