"""Talking to Odoo through odoo-client-lib: the client with retries, master-data look-ups and posting."""
