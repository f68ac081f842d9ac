"""The command line run in-process, as `diaspora-bot ARGS` would run it (no new interpreter to
start: the CLI tests take a fraction of the time). Each call gets its own environment, stdin,
stdout and stderr, and the logging set-up is put back afterwards.

A database named by the test that does not exist yet is a copy of one migrated once per test
process, as `diaspora-bot db upgrade` would leave it: commands other than `run` and `db upgrade`
do not migrate (they say to run `db upgrade`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from unittest import mock

from bot.cli import main
from storage.db import Database


@dataclass
class Result:
    returncode: int
    stdout_bytes: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")


@lru_cache(maxsize=1)
def _migrated() -> Path:
    path = Path(tempfile.mkdtemp(prefix="cli-template-")) / "template.db"

    async def make() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await db.upgrade()
        finally:
            await db.dispose()

    asyncio.run(make())
    return path


def cli(
    args: list[str],
    database: Path,
    stdin: str = "",
    *,
    migrated: bool = True,
    **extra_env: str,
) -> Result:
    if migrated and not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(_migrated(), database)
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{database}", **extra_env}
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        with (
            mock.patch.dict(os.environ, env),
            mock.patch.object(sys, "stdin", io.StringIO(stdin)),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = main(args)
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    out.flush()
    return Result(code, out.buffer.getvalue(), err.getvalue())  # type: ignore[attr-defined]
