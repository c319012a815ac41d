"""Fixtures for the reliability suites: the same labor harness as the pipeline tests."""

from tests.pipeline.conftest import labor  # noqa: F401 - re-exported as a fixture
