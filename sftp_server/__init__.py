"""Embedded paramiko SFTP server for the demo and the tests: one user, a local directory as root."""

from sftp_server.server import EmbeddedSFTPServer, load_or_create_host_key

__all__ = ["EmbeddedSFTPServer", "load_or_create_host_key"]
