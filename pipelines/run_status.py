"""Run status from the Dagster instance, used to take over the posting lease of a run that ended."""

import dagster as dg

ENDED = {dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED, dg.DagsterRunStatus.SUCCESS}


def run_has_ended(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Tell whether ``run_id`` is a run of this instance that has ended.

    A run id the instance does not know is treated as still running: it may belong to another
    deployment sharing the staging database, and only the lease's age can free it then.
    """
    run = instance.get_run_by_id(run_id)
    return run is not None and run.status in ENDED
