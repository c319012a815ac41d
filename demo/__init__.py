"""The demo: local SFTP server and Odoo sandbox, several days of drops, and the nightly job over them."""
