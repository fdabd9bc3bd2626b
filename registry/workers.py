"""A worker of `registry serve --workers N` ends when the process that started it dies.

uvicorn's supervisor (the `registry serve` process) starts the workers and stops them
when it is stopped. Killed outright (`kill -9`, the OOM killer), it cannot: its workers
would live on as orphans, still holding the listening socket, so that a new `serve` on
the same port fails or shares it with the old code. Each worker therefore asks the
kernel to send it SIGTERM when its parent dies (Linux's PR_SET_PDEATHSIG), and stops as
it does on any SIGTERM: it finishes the requests under way, then exits. Elsewhere a
thread watches the parent instead.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 1.0


def follow_parent() -> None:
    """In a worker process that uvicorn's supervisor spawned: stop when it dies. Does
    nothing in a process that serves by itself (one worker) or runs the app otherwise."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")
    else:
        threading.Thread(target=_watch, args=(parent.pid,), name="follow-parent",
                         daemon=True).start()
    if os.getppid() != parent.pid:  # it died before the kernel was asked to tell us
        os.kill(os.getpid(), signal.SIGTERM)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
