"""File and stream plumbing for the CLI: the only place besides ``cli.py`` that touches disk.

Outputs are written atomically: each goes to a temporary file beside its target and is renamed
into place only when the whole run succeeded, so a failed run leaves no partial output. Output
to stdout is spooled the same way and copied out at the end.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["CHUNK", "PendingOutputs", "read_chunks", "read_head", "stdin_copy"]

CHUNK = 1 << 20


def read_head(path: str, size: int) -> bytes:
    """The first *size* bytes of *path* (stdin is read from its ``stdin_copy``)."""
    with open(path, "rb") as handle:
        return handle.read(size)


def read_chunks(path: str) -> Iterator[bytes]:
    """Stream *path* in 1 MiB chunks."""
    with open(path, "rb") as handle:
        yield from iter(lambda: handle.read(CHUNK), b"")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def stdin_copy(stash: tempfile.TemporaryDirectory[str]) -> str:
    """Standard input copied to a file in *stash* (once), so it can be sniffed and re-read."""
    path = os.path.join(stash.name, "stdin")
    if not os.path.exists(path):
        with open(path, "wb") as handle:
            shutil.copyfileobj(sys.stdin.buffer, handle, CHUNK)
    return path


class PendingOutputs:
    """Temporary files that become real outputs only on ``commit()``."""

    def __init__(self) -> None:
        self._pending: list[tuple[str, BinaryIO, str]] = []

    def open(self, target: str) -> BinaryIO:
        """A writable temporary file for *target* (``-`` means stdout, spooled)."""
        if target == "-":
            handle = tempfile.TemporaryFile()  # noqa: SIM115  # closed by commit()/discard()
            self._pending.append(("-", handle, ""))
            return handle
        directory = os.path.dirname(os.path.abspath(target))
        os.makedirs(directory, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".scrubber-", suffix=".part", dir=directory)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get normal modes
        handle = os.fdopen(fd, "w+b")
        self._pending.append((target, handle, temp))
        return handle

    def write_all(self, target: str, chunks: Iterable[bytes]) -> BinaryIO:
        handle = self.open(target)
        for chunk in chunks:
            handle.write(chunk)
        return handle

    def commit(self) -> None:
        """Rename every temporary file into place (stdout: copy it out)."""
        for target, handle, temp in self._pending:
            if target == "-":
                handle.seek(0)
                shutil.copyfileobj(handle, sys.stdout.buffer)
                sys.stdout.buffer.flush()
                handle.close()
            else:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
                os.replace(temp, target)
        self._pending.clear()

    def discard(self) -> None:
        """Remove every temporary file: nothing partial is left behind."""
        for _target, handle, temp in self._pending:
            handle.close()
            if temp:
                Path(temp).unlink(missing_ok=True)
        self._pending.clear()
