"""Dagster resources: connections to SFTP drops, databases and Odoo."""
