"""The conversation core alone: `Conversation.handle` with SMS rendering, no HTTP.

    python -m benchmarks.conversation
    python -m benchmarks.conversation --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_conv
    python -m benchmarks.conversation --profile 40

Sends N messages one after another (concurrency 1, so the figure is the cost of one message,
not queueing) from P people into a fresh database: keywords, numbered choices, greetings and FAQ
questions, each with a provider id as an SMS webhook has. Prints messages/s (wall clock) and the
CPU time per message of this process; `--profile K` prints the K most expensive functions
(cumulative) under cProfile, which slows everything down.

For PostgreSQL the database named in the URL is created, used and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.channels.render import renderer_for  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.vocabulary import Inbound  # noqa: E402

TEXTS = (
    "double nationalite",
    "menu",
    "cmb de tps pr creer 1 sté",
    "2",
    "comment envoyer de l argent moins cher",
    "bonjour",
)


async def _create_postgres(url: str) -> None:
    import asyncpg  # noqa: PLC0415 - only for PostgreSQL runs
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
        database="postgres",
    )  # fmt: skip
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}"')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


async def _drop_postgres(url: str) -> None:
    import asyncpg  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
        database="postgres",
    )  # fmt: skip
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await admin.close()


async def run(url: str, count: int, people: int, profile: int) -> None:
    settings = Settings(_env_file=None, database_url=url)
    services = await Services.start(settings, upgrade=True)
    render = renderer_for("sms", settings)
    conversation = services.conversation
    # The FAQ's sentence embeddings (FAQ_SEMANTIC) are built in a background thread at start:
    # a server does that once, so it is not counted here.
    services.knowledge.faq.wait_until_ready(timeout=120)

    def inbound(i: int, prefix: str) -> Inbound:
        address = f"tel:+2237700{i % people:04d}"
        return Inbound("sms", address, TEXTS[i % len(TEXTS)], provider_id=f"SM{prefix}{i}")

    for i in range(min(people, 200)):  # warm-up: caches, the FAQ's language model, contacts
        await conversation.handle(inbound(i, "w"), render, reply_status="queued")

    profiler = cProfile.Profile() if profile else None
    began, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for i in range(count):
        await conversation.handle(inbound(i, "m"), render, reply_status="queued")
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    await services.close()
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    semantic = "on" if settings.faq_semantic else "off"
    print(
        f"{backend}, FAQ embeddings {semantic}: {count} messages, "
        f"{count / elapsed:.0f} messages/s, "
        f"cpu {cpu / count * 1000:.2f} ms/message (load average {os.getloadavg()[0]:.2f})"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", "-n", type=int, default=2000)
    parser.add_argument("--people", "-p", type=int, default=200)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--profile", type=int, default=0, metavar="K")
    args = parser.parse_args()
    if args.database_url and args.database_url.startswith("postgresql"):
        asyncio.run(_create_postgres(args.database_url))
        try:
            asyncio.run(run(args.database_url, args.messages, args.people, args.profile))
        finally:
            asyncio.run(_drop_postgres(args.database_url))
        return 0
    with tempfile.TemporaryDirectory(prefix="conv-bench-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/conversation.db"
        asyncio.run(run(url, args.messages, args.people, args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
