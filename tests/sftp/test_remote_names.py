"""Remote names cannot reach outside the download folder, and links on the drop are not fetched."""

import os

import pytest

from resources.sftp import UnsafeRemoteName, local_file_name


@pytest.mark.parametrize("remote_path", ["/drop/labor/..", "/drop/labor/.", "/drop/labor/", "/drop/a\\..\\b.csv",
                                         "/drop/a\x00.csv"])
def test_unsafe_remote_names_are_refused(remote_path):
    with pytest.raises(UnsafeRemoteName, match="has no plain file name"):
        local_file_name(remote_path)


def test_remote_directories_are_dropped_from_the_name():
    assert local_file_name("/drop/labor/../../etc/timecards.csv") == "timecards.csv"


def test_fetch_of_parent_name_writes_nothing(embedded_sftp, tmp_path):
    download_dir = tmp_path / "downloads" / "inner"

    with pytest.raises(UnsafeRemoteName):
        embedded_sftp.resource().fetch("/..", download_dir)

    assert not (tmp_path / "downloads").exists()


def test_symbolic_link_on_the_drop_is_not_listed(embedded_sftp, tmp_path):
    drop = embedded_sftp.root / "drop"
    drop.mkdir()
    (drop / "timecards_20261116.csv").write_text("a,b\n")
    (drop / "timecards_20261116.csv.done").write_text("")
    outside = tmp_path / "outside.csv"
    outside.write_text("secret\n")
    os.symlink(outside, drop / "timecards_20261117.csv")
    (drop / "timecards_20261117.csv.done").write_text("")

    listed = [item.path for item in embedded_sftp.resource().list_complete_files("/drop", "timecards_*.csv")]

    assert listed == ["/drop/timecards_20261116.csv"]
