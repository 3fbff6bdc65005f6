"""Forked children for the kill tests: cheap (no re-import), each reporting on a pipe."""

from __future__ import annotations

import os
import select
import signal
from collections.abc import Callable


def fork_child(work: Callable[[int], object]) -> tuple[int, int]:
    """Run ``work(write_fd)`` in a forked child; its pid and the pipe's read end."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(read_fd)
        try:
            work(write_fd)
        finally:
            os._exit(1)
    os.close(write_fd)
    return pid, read_fd


def drain(read_fd: int) -> list[str]:
    """Every line the child wrote, once it is gone; closes the pipe."""
    data = b""
    while select.select([read_fd], [], [], 0)[0]:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read_fd)
    return data.decode().splitlines()


def kill_child(pid: int, read_fd: int, *, must_be_running: bool = True) -> list[str]:
    """SIGKILL the child and return what it had written. A child that died on its own (an
    exception before the kill) tested nothing: that fails, unless it may have finished."""
    os.kill(pid, signal.SIGKILL)
    _pid, status = os.waitpid(pid, 0)
    if must_be_running:
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, "the child failed before the kill"
    return drain(read_fd)
