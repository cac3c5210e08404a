"""Output files: checked before the work that fills them, written atomically. No torch here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def check_writable(path: str | os.PathLike, flag: str = "--out") -> Path:
    """The path, if a file can be written there; else ValueError saying why (nothing left behind).

    Checked before training, so a bad path costs nothing: the directory must exist and take a
    new file (one is created and removed), and the path must not be a directory or a device.
    """
    if str(path).strip() == "":
        raise ValueError(f"{flag}: empty file name; give a path such as model.safetensors")
    path = Path(path)
    if path.is_dir() or str(path).endswith(os.sep):
        raise ValueError(f"{flag}: {path} is a directory; give a file name inside it")
    if path.exists() and not path.is_file():
        raise ValueError(f"{flag}: {path} is not a regular file (a device or a pipe?)")
    directory = path.parent
    if not directory.is_dir():
        raise ValueError(f"{flag}: directory does not exist: {directory}")
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=f".{path.name[:50]}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise ValueError(f"{flag}: cannot write in {directory}: {err.strerror or err}") from None
    return path


def write_atomic(path: str | os.PathLike, blob: bytes) -> Path:
    """Write `blob` to `path` via a temporary file in the same directory and os.replace.

    Readers see the old file or the new one, never a part: a failed write (a full disk, an
    interrupt) removes the temporary file and leaves an existing file untouched.
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:50]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(blob)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    return path
