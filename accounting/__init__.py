"""Turning validated source rows into balanced journal entries, before anything reaches Odoo."""
