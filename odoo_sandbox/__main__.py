"""Command line: ``python -m odoo_sandbox serve --data-dir DIR [--version 17.0] [--seed demo]``."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

from . import DEFAULT_DATABASE, SUPPORTED_VERSIONS
from .seed import ENVIRONMENT_VARIABLES, configured_credentials
from .server import SandboxServer

DATABASE_FILE = "sandbox.sqlite3"
CREDENTIALS_FILE = "credentials.env"

_logger = logging.getLogger("odoo_sandbox")


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
    generated = f"else a random value written to DATA_DIR/{CREDENTIALS_FILE}"
    serve.add_argument("--admin-password", default=None,
                       help=f"administrator password to seed (default: $ODOO_SANDBOX_ADMIN_PASSWORD, {generated})")
    serve.add_argument("--api-password", default=None,
                       help=f"pipeline-api password to seed (default: $ODOO_SANDBOX_API_PASSWORD, {generated})")
    serve.add_argument("--api-key", default=None,
                       help=f"pipeline-api API key to seed (default: $ODOO_SANDBOX_API_KEY, {generated})")
    serve.add_argument("--log-level", default="INFO", help="logging level (default: %(default)s)")
    return parser


def write_credentials_file(path: Path, credentials: dict[str, str]) -> None:
    """Replace ``path`` with KEY=VALUE lines named by ENVIRONMENT_VARIABLES, readable only by the owner."""
    lines = "".join(f"{ENVIRONMENT_VARIABLES[name]}={value}\n" for name, value in credentials.items())
    # mkstemp creates the file with mode 0600, so no other user can read the secrets.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(lines)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_generated_credentials(path: Path, configured: dict[str, str | None], seeded: dict[str, str]) -> None:
    """Write the seeded secrets that no argument or variable set to ``path``.

    A database seeded entirely from arguments or variables has no generated secrets, so an older
    file at ``path`` belongs to a deleted database and is removed.
    """
    generated = {name: value for name, value in seeded.items() if not configured[name]}
    if generated:
        write_credentials_file(path, generated)
        _logger.info("Wrote the generated credentials of the new database to %s", path)
    elif path.exists():
        path.unlink()
        _logger.info("Removed %s because the new database was seeded with the given credentials", path)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args.data_dir.mkdir(parents=True, exist_ok=True)
    credentials_path = args.data_dir / CREDENTIALS_FILE
    configured = configured_credentials(args.admin_password, args.api_password, args.api_key)
    server = SandboxServer(
        args.data_dir / DATABASE_FILE, version=args.version, host=args.host, port=args.port,
        database=args.database, seed=args.seed, credentials=configured,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        server.start()
    finally:
        # start() seeds before it binds the port. Save the secrets even when binding fails,
        # because the database keeps only their digests.
        if server.seeded_credentials is not None:
            save_generated_credentials(credentials_path, configured, server.seeded_credentials)
    print(f"Odoo sandbox {server.sandbox.version} serving database {server.database!r} on {server.url}", flush=True)
    if credentials_path.exists():
        print(f"Generated credentials: {credentials_path}", flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
