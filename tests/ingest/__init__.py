"""Tests of the labor extract readers, mappings, value parsers and the labor schema."""
