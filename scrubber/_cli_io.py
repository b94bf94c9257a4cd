"""File and stream plumbing for the CLI: the only place besides ``cli.py`` that touches disk.

Outputs are written atomically and together: each goes to a temporary ``.scrubber-*.part``
file beside its target, and only when the whole run succeeded are they renamed into place,
one after the other; if a rename fails, the ones already renamed are put back as they were
(all or none). Output to stdout is spooled and copied out last, after every file is in place,
because what reached a pipe cannot be taken back. A killed run can leave ``.part`` files
behind; a later run writing to the same directory removes them (only its own kind, only
when the process that made them is gone).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from scrubber._errors import ScrubberError

__all__ = [
    "BROKEN_PIPE_EXIT",
    "CHUNK",
    "OutputError",
    "PendingOutputs",
    "check_writable",
    "clean_stale_parts",
    "is_stream",
    "one_line",
    "quiet_broken_pipe",
    "read_chunks",
    "read_head",
    "stdin_copy",
]

CHUNK = 1 << 20
BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE: what a shell reports for `cat` when its reader left
STALE_AFTER_SECONDS = 24 * 3600  # a part whose maker cannot be checked is stale after a day
_PART_PREFIX = ".scrubber-"
_PART_SUFFIX = ".part"
_PART_NAME = re.compile(r"^\.scrubber-(?:(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)-)?[^/]*\.part$")


class OutputError(ScrubberError):
    """An output that cannot be written: the message names the output, never the input."""


def one_line(text: str) -> str:
    """*text* with every non-printable character (CR, LF, TAB, NUL, U+2028 ...) escaped, so an
    error message quoting a library or a file stays one line on stderr."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def quiet_broken_pipe() -> int:
    """The reader of stdout went away (``| head``): stop quietly, as Unix tools do.

    stdout is pointed at /dev/null so the interpreter's final flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout replaced by something without a descriptor
        pass
    return BROKEN_PIPE_EXIT


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


def _host_tag() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):  # alive under another user, or cannot tell
        return False
    return False


def clean_stale_parts(directory: str) -> list[str]:
    """Remove the ``.scrubber-*.part`` files a killed run left in *directory*.

    Only regular files with our name pattern and owned by this user are candidates. A part
    made on this host is stale when its process no longer exists; a part whose maker cannot
    be checked (another host, an older name) is stale after ``STALE_AFTER_SECONDS``. Errors
    are ignored: cleaning up is a courtesy, never a reason to fail a run."""
    removed: list[str] = []
    host, now = _host_tag(), time.time()
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _PART_NAME.match(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not entry.is_file(follow_symlinks=False) or (uid is not None and info.st_uid != uid):
                continue
            pid = match.group("pid")
            if match.group("host") == host and pid is not None:
                stale = int(pid) != os.getpid() and _process_gone(int(pid))
            else:
                stale = now - info.st_mtime > STALE_AFTER_SECONDS
            if stale:
                os.unlink(entry.path)
                removed.append(entry.path)
        except OSError:
            continue
    return removed


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def is_stream(target: str) -> bool:
    """A target that exists and is not a regular file (``/dev/null``, a FIFO): it is written
    to, never replaced by a rename."""
    try:
        return not stat.S_ISREG(os.stat(target).st_mode) and not os.path.isdir(target)
    except OSError:
        return False


def check_writable(target: str) -> None:
    """Refuse a target that is a directory or lies under a file, before any work is done."""
    path = Path(target)
    if path.is_dir():
        raise OutputError("cannot write: it is a directory", source=target)
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write: {parent} is not a directory", source=target)
            break


@dataclass(slots=True)
class _Pending:
    target: str
    handle: BinaryIO
    temp: str  # "" for stdout
    backup: str = ""  # a hard link (or copy) of the file the target replaced
    placed: bool = False


class PendingOutputs:
    """Temporary files that become real outputs only on ``commit()``, all of them or none."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._cleaned: set[str] = set()  # directories already rid of stale parts this run

    def open(self, target: str) -> BinaryIO:
        """A writable temporary file for *target* (``-`` means stdout, spooled)."""
        if target == "-" or is_stream(target):
            # stdout, or a device or pipe such as /dev/null: spooled, copied out at the end
            handle = tempfile.TemporaryFile()  # noqa: SIM115  # closed by commit()/discard()
            self._pending.append(_Pending(target, handle, ""))
            return handle
        if any(p.target == target for p in self._pending):
            raise OutputError("named for two outputs of this run", source=target)
        check_writable(target)
        directory = os.path.dirname(os.path.abspath(target))
        try:
            os.makedirs(directory, exist_ok=True)
            if directory not in self._cleaned:
                clean_stale_parts(directory)
                self._cleaned.add(directory)
            prefix = f"{_PART_PREFIX}{_host_tag()}-{os.getpid()}-"
            fd, temp = tempfile.mkstemp(prefix=prefix, suffix=_PART_SUFFIX, dir=directory)
        except OSError as exc:
            raise OutputError(f"cannot write: {_why(exc)}", source=target) from None
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get normal modes
        handle = os.fdopen(fd, "w+b")
        self._pending.append(_Pending(target, handle, temp))
        return handle

    def write_all(self, target: str, chunks: Iterable[bytes]) -> BinaryIO:
        """Write *chunks* to *target*'s temporary file; a write error names *target*
        (an error raised while producing the chunks is the producer's, and passes through)."""
        handle = self.open(target)
        for chunk in chunks:
            try:
                handle.write(chunk)
            except OSError as exc:
                raise OutputError(f"cannot write: {_why(exc)}", source=target) from None
        return handle

    def commit(self) -> None:
        """Put every file in place, rolling back on the first failure; then copy stdout (and
        any device or pipe named as an output) out."""
        files = [p for p in self._pending if p.temp]
        try:
            for pending in files:
                try:
                    pending.handle.flush()
                    os.fsync(pending.handle.fileno())
                    pending.handle.close()
                except OSError as exc:
                    raise OutputError(f"cannot write: {_why(exc)}", source=pending.target) from None
            for pending in files:
                self._place(pending)
        except BaseException:
            self._roll_back(files)
            self.discard()
            raise
        for pending in files:
            if pending.backup:
                Path(pending.backup).unlink(missing_ok=True)
        self._pending = [p for p in self._pending if not p.temp]
        try:
            for pending in self._pending:
                pending.handle.seek(0)
                if pending.target == "-":
                    shutil.copyfileobj(pending.handle, sys.stdout.buffer)
                    continue
                try:
                    with open(pending.target, "wb") as stream:
                        shutil.copyfileobj(pending.handle, stream)
                except BrokenPipeError:
                    raise
                except OSError as exc:
                    raise OutputError(f"cannot write: {_why(exc)}", source=pending.target) from None
            sys.stdout.buffer.flush()
        finally:
            self.discard()

    def _place(self, pending: _Pending) -> None:
        target = pending.target
        try:
            if os.path.lexists(target):
                pending.backup = pending.temp[: -len(_PART_SUFFIX)] + ".old" + _PART_SUFFIX
                try:
                    os.link(target, pending.backup)
                except OSError:  # no hard links here: keep a copy instead
                    shutil.copy2(target, pending.backup)
            os.replace(pending.temp, target)
            pending.placed = True
        except OSError as exc:
            if exc.errno == errno.EISDIR:
                raise OutputError("cannot write: it is a directory", source=target) from None
            raise OutputError(f"cannot write: {_why(exc)}", source=target) from None

    @staticmethod
    def _roll_back(files: list[_Pending]) -> None:
        for pending in reversed(files):
            try:
                if pending.placed and pending.backup:
                    os.replace(pending.backup, pending.target)
                elif pending.placed:
                    os.unlink(pending.target)
                elif pending.backup:
                    os.unlink(pending.backup)
            except OSError:
                continue

    def discard(self) -> None:
        """Remove every temporary file: nothing partial is left behind."""
        for pending in self._pending:
            pending.handle.close()
            if pending.temp:
                Path(pending.temp).unlink(missing_ok=True)
        self._pending.clear()
