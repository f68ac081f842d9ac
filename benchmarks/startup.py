"""How long `diaspora-bot chat --json` takes to answer its first message (issue 13).

    .venv/bin/python -m benchmarks.startup          (from the repository root)

Starts the real command in a fresh directory (new SQLite database, migrations applied), with the
bot's defaults (FAQ_SEMANTIC=true: the first answer waits for the sentence embeddings), sends
one question and times the first JSON line: with an empty embeddings cache (a first start, or
the FAQ just changed), then with the cache the first run left (every later start). Prints the
machine's load average beside the figures (on a shared machine they move with it), and the CPU
time of each run (start, first answer, exit), which does not.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "comment ouvrir une societe rapidement au mali"  # words alone: "did you mean"
RUNS = 3


def _env() -> dict[str, str]:
    # The defaults: ./data/diaspora-bot.db and ./data/cache in the run's directory.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FAQ_CACHE_DIR")}
    env["FAQ_SEMANTIC"] = "true"
    return env


def upgrade(directory: Path) -> None:
    """The database as `make run` leaves it (only `run` and `db upgrade` migrate), and the FAQ
    cache `db upgrade` builds (removed again for the empty-cache runs): not timed."""
    subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"], cwd=directory, env=_env(), check=True
    )


def first_answer(directory: Path) -> tuple[float, str]:
    env = _env()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--json", "--address", "console:bench"],
        cwd=directory,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(QUESTION + "\n")
    process.stdin.flush()
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    process.stdin.close()
    process.wait(timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    reply = json.loads(line)["replies"][-1]["text"]
    return elapsed, cpu, reply


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    for label, fresh in (("empty embeddings cache", True), ("warm cache", False)):
        times, cpus = [], []
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            upgrade(directory)
            if not fresh:
                first_answer(directory)  # leaves ./data/cache behind
            for _ in range(RUNS):
                if fresh:
                    for cached in (directory / "data" / "cache").glob("*"):
                        cached.unlink()
                elapsed, cpu, reply = first_answer(directory)
                times.append(elapsed)
                cpus.append(cpu)
        print(
            f"{label}: first answer after {min(times):.2f} s best, {max(times):.2f} s worst "
            f"of {RUNS}; CPU of the whole run {min(cpus):.2f}-{max(cpus):.2f} s "
            f"(answered: {reply[:60]!r})"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
