"""Files written whole or not at all, and nothing left behind by a failure, a cancel or a termination signal.

Every file the engine writes goes first to a hidden sibling `.partial-<pid>-<hex>-<name>` (same folder, so the
final os.replace is atomic) and is renamed into place only when complete. The pid in the name lets the next
run remove partial files that a killed process (SIGKILL, power loss) could not clean up, without touching
those of a run still in progress. `terminate_as_interrupt` turns SIGTERM and SIGHUP into KeyboardInterrupt
for the duration of a job, so they clean up exactly as Ctrl-C (SIGINT) does.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import threading
import uuid
from typing import Any, Iterator, List

from .errors import EngineError
from .progress import clear_termination, request_termination, termination_signal

PREFIX = ".partial-"
_PARTIAL = re.compile(r"^\.partial-(?:(\d+)-)?[0-9a-f]{12}-(.+)$")


def temporary_path(path: str) -> str:
    """A hidden, unique sibling of path (same folder, so the final rename is atomic)."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}-{name}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else
        return True
    return True


def remove_stale_partials(path: str) -> List[str]:
    """Delete partial files of `path` (and their .aux.xml) left by processes that no longer run; returns
    the names removed. Partials of the older form without a pid are removed too (no run could still own
    them after an upgrade)."""
    folder, name = os.path.split(os.path.abspath(path))
    removed: List[str] = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    for entry in entries:
        m = _PARTIAL.match(entry)
        if not m or m.group(2).removesuffix(".aux.xml") != name:
            continue
        if m.group(1) is not None and _alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.remove(os.path.join(folder, entry))
            removed.append(entry)
    return removed


def os_error_text(exc: BaseException, path: str) -> str:
    """A one-line reason for a failed write, naming the full disk or quota plainly."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    # GDAL reports a full disk as e.g. "TIFFAppendToStrip:Write error at scanline 0": ask the file system.
    full = code in (errno.ENOSPC, errno.EDQUOT) or "No space left" in text or free_bytes(path) < 1 << 20
    if full:
        return f"no space left on the device holding {os.path.dirname(os.path.abspath(path))}"
    return getattr(exc, "strerror", None) or text.strip() or type(exc).__name__


def free_bytes(path: str) -> int:
    """Bytes available to this user in the folder of path (a large number when unknown)."""
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return 1 << 62
    return st.f_bavail * st.f_frsize


@contextlib.contextmanager
def staged_output(path: str) -> Iterator[str]:
    """A hidden sibling of `path` to write a raster into; moved onto `path` when the body succeeds (a
    stale .aux.xml of the replaced file removed), deleted when it fails or is interrupted."""
    staged = temporary_path(path)
    try:
        yield staged
        os.replace(staged, path)
        if os.path.exists(path + ".aux.xml"):
            os.remove(path + ".aux.xml")
    finally:
        for leftover in (staged, staged + ".aux.xml"):
            if os.path.exists(leftover):
                os.remove(leftover)


def write_bytes(path: str, data: bytes, role: str) -> None:
    """Write `data` to `path` atomically; EngineError "cannot write the ROLE PATH: reason" on failure,
    with nothing left behind (also on KeyboardInterrupt)."""
    remove_stale_partials(path)
    tmp = temporary_path(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise EngineError(f"cannot write the {role} {path}: {os_error_text(exc, path)}") from None
    finally:
        if os.path.exists(tmp):
            with contextlib.suppress(OSError):
                os.remove(tmp)


def write_text(path: str, text: str, role: str) -> None:
    """write_bytes of UTF-8 text."""
    write_bytes(path, text.encode("utf-8"), role)


def _request_stop(signum: int, frame: Any) -> None:
    """First signal: every job's CancelToken reports cancelled, so the job stops at its next check and
    cleans up there (an exception raised at an arbitrary point could interrupt the cleanup itself).
    A second signal: stop now (KeyboardInterrupt), for a job that does not reach a check."""
    name = signal.Signals(signum).name
    if termination_signal():
        raise KeyboardInterrupt(f"terminated by signal {name}")
    request_termination(name)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While the body runs, SIGTERM and SIGHUP cancel the running job as the user's cancel does, so its
    cleanup runs (a second one interrupts at once). Only on the main thread (Python delivers signals
    there); elsewhere a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    saved = {}
    for sig in wanted:
        try:
            saved[sig] = signal.signal(sig, _request_stop)
        except (ValueError, OSError):  # not allowed here (embedded interpreter)
            pass
    try:
        yield
    finally:
        for sig, handler in saved.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, handler)
        clear_termination()


def interrupt_text(exc: KeyboardInterrupt) -> str:
    """'interrupted' or 'terminated by signal SIGTERM'."""
    return str(exc) or "interrupted"

