"""Tests of the SFTP resource, the embedded SFTP server and the landing area."""
