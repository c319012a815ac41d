"""Command line: run the embedded SFTP server until interrupted.

Example: python -m sftp_server --root .demo/drop --port 2222 --host-key .demo/sftp_host_key \
    --user field --password-env FIELD_SFTP_PASSWORD
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from sftp_server.server import EmbeddedSFTPServer


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sftp_server",
        description="Serve a local directory over SFTP on 127.0.0.1 to one user.",
    )
    parser.add_argument("--root", required=True, help="directory that clients see as /")
    parser.add_argument(
        "--port", type=int, default=2222, help="TCP port on 127.0.0.1, or 0 for a free port (default 2222)"
    )
    parser.add_argument(
        "--host-key",
        required=True,
        help="private host key file, generated as an ECDSA key if it does not exist",
    )
    parser.add_argument("--user", required=True, help="the one username that may log in")
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help="name of the environment variable that contains the user's password",
    )
    parser.add_argument(
        "--authorized-keys", help="OpenSSH authorized_keys file with the user's public keys"
    )
    parser.add_argument(
        "--known-hosts",
        help="known_hosts file to add this server's host key to after it starts",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    password = None
    if arguments.password_env:
        password = os.environ.get(arguments.password_env)
        if not password:
            print(f"environment variable {arguments.password_env} is not set or empty", file=sys.stderr)
            return 2
    if password is None and arguments.authorized_keys is None:
        print("give --password-env, --authorized-keys or both", file=sys.stderr)
        return 2

    server = EmbeddedSFTPServer(
        root_dir=arguments.root,
        host_key_path=arguments.host_key,
        username=arguments.user,
        password=password,
        authorized_key_path=arguments.authorized_keys,
        port=arguments.port,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())

    server.start()
    if arguments.known_hosts:
        server.write_known_hosts(arguments.known_hosts)
    print(f"SFTP server listening on {server.host}:{server.port}; host key {server.host_key.fingerprint}", flush=True)
    try:
        stopped.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
