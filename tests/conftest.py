"""Shared pytest set-up: fixtures live in tests/fixtures/, one module per component."""

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.sandbox",
    "tests.fixtures.databases",
    "tests.fixtures.sftp",
]
