"""A process that competes for the scheduler's leadership and says when it wins, for the
take-over test (which kills it with SIGKILL).

    python -m tests.leader_worker DATABASE_URL
"""

from __future__ import annotations

import asyncio
import sys

from bot.leader import Leadership
from storage.db import Database


async def main(db_url: str) -> None:
    async def elected() -> None:
        print("leader", flush=True)

    async def deposed() -> None:
        print("deposed", flush=True)

    leadership = Leadership(Database(db_url), elected, deposed, retry=0.2)
    leadership.start()
    print("started", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
