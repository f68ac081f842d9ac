"""Which thread Ctrl-C reaches. The kernel hands a process's SIGINT to any thread that does not
block it; Python runs its handler on the main thread, but a main thread asleep in `input()` is
woken only if the signal lands on it. Importing numpy starts a thread pool (OpenBLAS), and the
database and executor start more: the console chat's Ctrl-C did nothing until Enter in about
one run out of two when the signal landed on one of them.

So the entry point holds SIGINT before those imports (threads inherit the mask of the thread
that starts them), and the main thread releases it: at once for every command, only while it
waits for a line in the console chat."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Iterator

_MASKABLE = hasattr(signal, "pthread_sigmask")  # POSIX; elsewhere, nothing to do


def hold() -> None:
    """SIGINT waits on this thread, and on every thread it starts from now on."""
    if _MASKABLE:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def release() -> None:
    """SIGINT reaches this thread again (one that came meanwhile is delivered now)."""
    if _MASKABLE:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


# How long the watcher lets the main thread reach its wait before sending a Ctrl-C again.
RESEND_AFTER = 0.05


@contextlib.contextmanager
def while_waiting_for_a_line() -> Iterator[None]:
    """Around `input()` on the main thread: Ctrl-C reaches it there, as KeyboardInterrupt.

    CPython's input() runs signal handlers only when its wait (readline's select) is
    interrupted: a Ctrl-C landing after the prompt is drawn but before that wait begins is noted,
    then forgotten until Enter (the console test pressed it as the prompt appeared, and waited
    in about one run out of five). A watcher thread hears each SIGINT through Python's wakeup fd
    and, while the line is still awaited, sends it to the main thread again a moment later, when
    it is waiting."""
    if not _MASKABLE:
        yield
        return
    main = threading.main_thread().ident
    assert main is not None
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            ready, _, _ = select.select([read_end], [], [], 0.2)
            if ready and signal.SIGINT in os.read(read_end, 64) and not done.wait(RESEND_AFTER):
                signal.pthread_kill(main, signal.SIGINT)

    previous_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, name="ctrl-c", daemon=True)
    watcher.start()  # started while SIGINT is held here: it never takes one itself
    release()
    try:
        yield
    finally:
        hold()
        done.set()
        watcher.join()
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGINT, previous_handler)
        os.close(read_end)
        os.close(write_end)
