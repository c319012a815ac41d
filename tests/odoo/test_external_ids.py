"""External id names: the column version gives what the one-record version gives."""

import pandas as pd

from odoo_io.timesheets import external_id_name, external_id_names

AWKWARD_IDS = ["123", "a b/c", "__x__", "é-ü 7", "x" * 80, "", "  ", "26111600000037", "a\tb", "A_b-C"]


def test_column_names_match_single_names():
    names = external_id_names("labor", "procore", pd.Series(AWKWARD_IDS, dtype=object))

    assert names.tolist() == [external_id_name("labor", "procore", record_id) for record_id in AWKWARD_IDS]


def test_names_differ_for_ids_with_one_slug():
    names = external_id_names("labor", "procore", pd.Series(["a b", "a/b", "a_b"], dtype=object))

    assert len(set(names)) == 3
