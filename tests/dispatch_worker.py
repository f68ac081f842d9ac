"""A dispatcher worker in a process of its own, sending to a fake Bot API, for the crash and
multi-worker tests (they kill it with SIGKILL, or run two side by side).

    python -m tests.dispatch_worker DATABASE_URL API_URL WORKER_ID RATE [--until-idle]
"""

from __future__ import annotations

import asyncio
import sys

from bot.dispatcher import Dispatcher, DispatcherConfig
from storage.db import Database
from tests.telegram_sender import PtbSender


async def main(db_url: str, api_url: str, worker: str, rate: float, until_idle: bool) -> None:
    db = Database(db_url)
    sender = PtbSender(api_url)
    await sender.start()
    config = DispatcherConfig(
        rates={"telegram": rate},
        batch_size=20,
        worker_id=worker,
        only_worker=db.is_sqlite,
        poll_interval=0.2,
    )
    dispatcher = Dispatcher(db, {"telegram": sender}, config)
    print("ready", flush=True)
    if until_idle:
        await dispatcher.run_until_idle()
    else:
        await dispatcher.start()
        await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    db_url, api_url, worker, rate = sys.argv[1:5]
    asyncio.run(main(db_url, api_url, worker, float(rate), "--until-idle" in sys.argv))
