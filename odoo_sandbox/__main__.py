"""Command line: ``python -m odoo_sandbox serve --data-dir DIR [--version 17.0] [--seed demo]``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from . import DEFAULT_DATABASE, SUPPORTED_VERSIONS
from .server import SandboxServer

DATABASE_FILE = "sandbox.sqlite3"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m odoo_sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a sandbox database over Odoo's RPC protocols")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8069, help="TCP port to bind (default: %(default)s)")
    serve.add_argument("--data-dir", required=True, type=Path,
                       help=f"directory holding the SQLite database file {DATABASE_FILE}")
    serve.add_argument("--version", choices=SUPPORTED_VERSIONS, default=None,
                       help="Odoo version to reproduce (default: the database's version, else 17.0)")
    serve.add_argument("--database", default=None,
                       help=f"database name clients pass (default: stored name, else {DEFAULT_DATABASE})")
    serve.add_argument("--seed", choices=["demo"], default=None,
                       help="seed the demo company when the database is new")
    serve.add_argument("--admin-password", default=None,
                       help="administrator password to seed (default: $ODOO_SANDBOX_ADMIN_PASSWORD, else 'admin')")
    serve.add_argument("--api-password", default=None,
                       help="pipeline-api password to seed (default: $ODOO_SANDBOX_API_PASSWORD, else a demo value)")
    serve.add_argument("--api-key", default=None,
                       help="pipeline-api API key to seed (default: $ODOO_SANDBOX_API_KEY, else a demo value)")
    serve.add_argument("--log-level", default="INFO", help="logging level (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args.data_dir.mkdir(parents=True, exist_ok=True)
    server = SandboxServer(
        args.data_dir / DATABASE_FILE, version=args.version, host=args.host, port=args.port,
        database=args.database, seed=args.seed,
        credentials={"admin_password": args.admin_password, "api_password": args.api_password,
                     "api_key": args.api_key},
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    server.start()
    print(f"Odoo sandbox {server.sandbox.version} serving database {server.database!r} on {server.url}", flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
