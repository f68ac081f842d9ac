"""Issue 13, bullet 8: the console chat behaves like a terminal program: line editing and
history (readline), Ctrl-C and Ctrl-D leave at once, cleanly. Driven through a real
pseudo-terminal, as a person's terminal would."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals")

LEFT = "\x1b[D"  # the left-arrow key
START_TIMEOUT = 120.0  # a loaded CI machine starts Python and the bot slowly
LEAVE_TIMEOUT = 5.0


class Terminal:
    def __init__(self, tmp_path: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/chat.db",
            "HOME": str(tmp_path),
            "TERM": "xterm",
        }
        # Only `run` and `db upgrade` migrate (issue 14): the chat opens an upgraded database.
        subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=tmp_path, check=True
        )
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the bot's console chat on the terminal
            os.chdir(tmp_path)  # its ./data (database cache) in the test's directory
            os.execvpe(
                sys.executable,
                [sys.executable, "-m", "bot", "chat", "--address", "console:pty"],
                env,
            )
        self.seen = ""
        self.read = 0  # how much of `seen` read_until has consumed

    def read_until(self, text: str, timeout: float) -> str:
        """What the terminal showed up to the next `text` (after what was already read)."""
        deadline = time.monotonic() + timeout
        while text not in self.seen[self.read :]:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} never came; the terminal shows {self.seen[-500:]!r}"
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                try:
                    self.seen += os.read(self.fd, 4096).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    break
        end = self.seen.index(text, self.read) + len(text)
        shown, self.read = self.seen[self.read : end], end
        return shown

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def threads_taking_ctrl_c(self) -> list[int] | None:
        """The bot's threads that SIGINT may land on (Linux's /proc; None elsewhere). Only the
        one waiting for the line may: one landing elsewhere left input() asleep until Enter,
        in about one run out of two (numpy's thread pool, started by an import)."""
        tasks = Path(f"/proc/{self.pid}/task")
        if not tasks.is_dir():
            return None
        taking = []
        for task in sorted(tasks.iterdir(), key=lambda t: int(t.name)):
            blocked = next(
                line.split()[1] for line in (task / "status").read_text().splitlines()
                if line.startswith("SigBlk:")
            )  # fmt: skip
            if not int(blocked, 16) & (1 << (signal.SIGINT - 1)):
                taking.append(int(task.name))
        return taking

    def exit_status(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            with_output = select.select([self.fd], [], [], 0.05)[0]
            if with_output:
                with contextlib.suppress(OSError):
                    os.read(self.fd, 4096)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


@pytest.mark.parametrize(("key", "codes"), [("\x03", (0, 130)), ("\x04", (0,))])
def test_arrow_keys_edit_the_line_and_ctrl_c_or_d_leave_at_once(
    tmp_path: Path, key: str, codes: tuple[int, ...]
) -> None:
    terminal = Terminal(tmp_path)
    terminal.read_until("you> ", START_TIMEOUT)
    terminal.type("LANGUE en\r")
    terminal.read_until("English", 60)
    terminal.read_until("you> ", 60)
    # "mnu", two steps left, "e": the line reads "menu" (without readline: "mnu^[[D^[[De").
    terminal.type("mnu" + LEFT + LEFT + "e\r")
    seen = terminal.read_until("Menu: choose", 60)
    assert "^[[D" not in seen
    terminal.read_until("you> ", 60)  # the next prompt: nothing typed ahead
    assert terminal.threads_taking_ctrl_c() in ([terminal.pid], None)
    started = time.monotonic()
    terminal.type(key)  # at the prompt, nothing typed
    assert terminal.exit_status(LEAVE_TIMEOUT) in codes
    assert time.monotonic() - started < LEAVE_TIMEOUT
    assert "menu" in (tmp_path / ".diaspora-bot_history").read_text()
