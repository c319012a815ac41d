"""Pandera schemas, balancing rules and Dagster asset checks, one module per domain."""
