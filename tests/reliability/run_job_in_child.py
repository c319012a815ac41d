"""Run a whole posting job (labor, equipment or accruals) in a child process that the crash tests kill.

    python -m tests.reliability.run_job_in_child SETTINGS_JSON

SETTINGS_JSON holds:

- ``dagster_home``: the folder of a Dagster instance the parent opens too, so the parent finds the
  killed run as the run that holds the batch's posting lease;
- ``assets`` and ``job``: ``module:attribute`` of the asset list and the job;
- ``partition_key``;
- ``resources``: resource key -> ``{"class": "module:Class", "config": {...}}``;
- ``ledger_module``: the module whose ``record_posted`` writes the ledger after each chunk of
  timesheet lines (``odoo_io.timesheets``) or each journal entry (``accounting.posting``);
- ``exit_after_chunks``: the number of ledger writes (chunks, or entries with corrections
  included) after which the process ends at once with os._exit (no cleanup, like a kill), or
  null to run to the end.

Nothing in the Odoo client is replaced. The only wrapper counts the ledger writes to know where
a chunk boundary is.
"""

import json
import os
import sys
from importlib import import_module

import dagster as dg


def load(reference: str):
    module, _, attribute = reference.partition(":")
    return getattr(import_module(module), attribute)


def exit_after(ledger_module: str, chunks: int) -> None:
    module = import_module(ledger_module)
    record_posted = module.record_posted
    written = 0

    def record_then_maybe_exit(*args, **kwargs):
        nonlocal written
        record_posted(*args, **kwargs)
        written += 1
        if written == chunks:
            os._exit(137)

    module.record_posted = record_then_maybe_exit


def main() -> None:
    settings = json.loads(sys.argv[1])
    if settings["exit_after_chunks"] is not None:
        exit_after(settings["ledger_module"], settings["exit_after_chunks"])
    resources = {key: load(spec["class"])(**spec["config"]) for key, spec in settings["resources"].items()}
    job = load(settings["job"])
    defs = dg.Definitions(assets=load(settings["assets"]), jobs=[job], resources=resources)

    with dg.DagsterInstance.from_config(settings["dagster_home"]) as instance:
        result = defs.resolve_job_def(job.name).execute_in_process(
            partition_key=settings["partition_key"], instance=instance, raise_on_error=False
        )
    sys.exit(0 if result.success else 1)


if __name__ == "__main__":
    main()
