"""Post a staged labor batch in a child process that the crash tests kill.

    python -m tests.reliability.post_in_child SETTINGS_JSON

SETTINGS_JSON contains the Odoo connection, the staging URL, the batch id, the chunk size and
``exit_after_chunk``: the chunk after which the process ends at once with os._exit (no
cleanup, like a kill), or null to post everything.
"""

import json
import os
import sys

from odoo_io.client import OdooClient
from odoo_io.timesheets import post_timesheets
from resources.staging import StagingDatabase
from staging.batches import staged_labor_lines


def main() -> None:
    settings = json.loads(sys.argv[1])
    client = OdooClient(host="127.0.0.1", port=settings["port"], protocol="jsonrpc", database=settings["database"],
                        login=settings["login"], password=settings["password"], timeout_seconds=60.0)
    engine = StagingDatabase(url=settings["staging_url"]).engine
    lines = staged_labor_lines(engine, settings["batch_id"])

    def after_chunk(chunk_no: int) -> None:
        if chunk_no == settings["exit_after_chunk"]:
            os._exit(137)

    post_timesheets(client, engine, batch_id=settings["batch_id"], lines=lines, chunk_size=settings["chunk_size"],
                    after_chunk=after_chunk)


if __name__ == "__main__":
    main()
