"""Atomic output files and the check that a target can be written."""
import os
import tempfile

import pytest

from w2vns.io.atomic import atomic_output, check_writable


def test_a_complete_write_replaces_the_target_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_output(target, "w") as handle:
        handle.write("new")
        assert target.read_text() == "old"  # not replaced until the write is complete
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["out.txt"]


def test_a_failed_write_keeps_the_old_target_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(target, "w") as handle:
            handle.write("half")
            raise RuntimeError("disk on fire")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]


def test_a_temporary_file_that_cannot_be_made_is_reported_under_the_targets_name(
        tmp_path, monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied",
                              os.path.join(kwargs["dir"], ".out.txt.x1y2.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as info:
        with atomic_output(tmp_path / "out.txt"):
            pass
    assert info.value.filename == str(tmp_path / "out.txt")
    assert info.value.strerror == "cannot create a file in %s: Permission denied" % tmp_path


def test_check_writable_names_what_is_wrong(tmp_path):
    check_writable(tmp_path / "new.bin")
    with pytest.raises(FileNotFoundError, match="folder .*nowhere does not exist"):
        check_writable(tmp_path / "nowhere" / "x.bin")
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError):
        check_writable(tmp_path / "folder")
    check_writable(tmp_path / "folder", folder_output=True)  # a folder output replaces it
    assert sorted(os.listdir(tmp_path)) == ["folder"]  # the probes are gone
