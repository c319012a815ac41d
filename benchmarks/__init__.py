"""Throughput benchmarks of the labor pipeline. They are not tests and assert no timings.

Run them from the repository root with the project's interpreter:

    .venv/bin/python -m benchmarks.posting --help
    .venv/bin/python -m benchmarks.reader --help

Recorded results are in benchmarks/RESULTS.md.
"""
