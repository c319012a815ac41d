"""Odoo sandbox: a local server that speaks Odoo's external RPC protocols and stores state in SQLite.

Start it with ``python -m odoo_sandbox serve`` or, from Python, with
``odoo_sandbox.server.SandboxServer``. README.md in this directory lists the Odoo rules it
reproduces and the Odoo source file behind each one.
"""

SUPPORTED_VERSIONS = ("17.0", "18.0", "19.0")
DEFAULT_VERSION = "17.0"
DEFAULT_DATABASE = "summit_ridge"
