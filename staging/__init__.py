"""The staging database: batches, staged lines, exceptions, the posting ledger and landed files."""
