"""Output files: checked before the work, written whole or not at all."""

from __future__ import annotations

import os

import pytest

from parity.core.outfile import check_writable, write_atomic


def test_a_writable_path_passes_and_leaves_nothing_behind(tmp_path):
    assert check_writable(tmp_path / "m.safetensors") == tmp_path / "m.safetensors"
    (tmp_path / "old.safetensors").write_bytes(b"old")
    assert check_writable(tmp_path / "old.safetensors").name == "old.safetensors"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.safetensors"]


@pytest.mark.parametrize(
    "path, words",
    [
        ("", "empty file name"),
        ("  ", "empty file name"),
        ("/tmp", "is a directory"),
        ("/tmp/", "is a directory"),
        ("/dev/null", "not a regular file"),
        ("/no/such/dir/m.safetensors", "directory does not exist: /no/such/dir"),
        ("/proc/m.safetensors", "cannot write in /proc"),
    ],
)
def test_paths_that_cannot_take_a_file_are_refused(path, words):
    with pytest.raises(ValueError, match=words):
        check_writable(path, flag="--out")


def test_write_replaces_the_whole_file(tmp_path):
    path = tmp_path / "m.bin"
    path.write_bytes(b"old contents, longer than the new")
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["m.bin"]


@pytest.mark.parametrize("failing", ["os.fsync", "os.replace"])
def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch, failing):
    path = tmp_path / "m.bin"
    path.write_bytes(b"old")

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(failing, full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"new" * 1000)
    monkeypatch.undo()
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.bin"]


def test_an_interrupt_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.bin"
    path.write_bytes(b"old")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.bin"]
