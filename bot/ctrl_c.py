"""Which thread Ctrl-C reaches. The kernel hands a process's SIGINT to any thread that does not
block it; Python runs its handler on the main thread, but a main thread asleep in `input()` is
woken only if the signal lands on it. Importing numpy starts a thread pool (OpenBLAS), and the
database and executor start more: the console chat's Ctrl-C did nothing until Enter in about
one run out of two when the signal landed on one of them.

So the entry point holds SIGINT before those imports (threads inherit the mask of the thread
that starts them), and the main thread releases it: at once for every command, only while it
waits for a line in the console chat."""

from __future__ import annotations

import signal

_MASKABLE = hasattr(signal, "pthread_sigmask")  # POSIX; elsewhere, nothing to do


def hold() -> None:
    """SIGINT waits on this thread, and on every thread it starts from now on."""
    if _MASKABLE:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def release() -> None:
    """SIGINT reaches this thread again (one that came meanwhile is delivered now)."""
    if _MASKABLE:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
