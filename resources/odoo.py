"""Odoo as a Dagster resource: connection settings, posting chunk size and retry policy."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from odoo_io.access import verify_access
from odoo_io.client import OdooClient, RetryPolicy
from odoo_io.errors import OdooAuthenticationError, OdooError, OdooTransientError


class OdooConfigurationError(OdooError):
    """The Odoo settings are wrong (address, database, login); the message names the variable to fix."""


# The concurrency pool of every step that writes to Odoo. The production instance limits it
# (deploy/dagster.yaml), so parallel runs and backfills post one batch at a time.
ODOO_API_POOL = "odoo_api"


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

    def get_client(self, log=None) -> OdooClient:
        return OdooClient(
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

    def preflight(self, log, domain: str) -> OdooClient:
        """Log in and check the API user's rights for ``domain``, and return the client.

        Runs first in a run, so a wrong URL, database or key stops it before any file lands or
        any row is staged. Raises dagster.Failure whose message names the setting to fix.
        """
        try:
            return self._checked_client(log, domain)
        except OdooError as error:
            raise dg.Failure(description=str(error)) from error

    def _checked_client(self, log, domain: str) -> OdooClient:
        client = self.get_client(log=log)
        try:
            client.check_connection()
        except OdooAuthenticationError as error:
            raise OdooConfigurationError(
                f"Odoo at {self.describe()} rejected the login ({error}); check ODOO_LOGIN and ODOO_PASSWORD "
                "(an API key for json2)"
            ) from error
        except OdooTransientError as error:
            raise OdooConfigurationError(
                f"cannot reach Odoo at {self.describe()} ({error}); check ODOO_HOST, ODOO_PORT and ODOO_PROTOCOL"
            ) from error
        except OdooError as error:
            if "does not exist" in str(error) and self.database in str(error):
                raise OdooConfigurationError(
                    f"Odoo at {self.host}:{self.port} has no database {self.database!r}; check ODOO_DATABASE"
                ) from error
            raise
        verify_access(client, domain, self.login, client.log)
        return client

    def describe(self) -> str:
        """Describe the posting target without credentials, for logs and metadata."""
        return f"{self.protocol}://{self.host}:{self.port}/{self.database} as {self.login}"
