from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.conversation import Conversation
from handlers.context import HandlerConfig
from knowledge.bundle import Knowledge
from storage.db import Database
from tests.chat import Chat, FakeClock
from tests.databases import BACKENDS, Templates, empty_tables

# Conversations in tests must not depend on when the FAQ's sentence embeddings finish building in
# the background (Services.start, the CLI run in a subprocess): words only, unless a test says
# otherwise (tests/knowledge/test_faq_eval.py, tests/bot/test_cli_knowledge.py).
os.environ.setdefault("FAQ_SEMANTIC", "false")
# Test conversations run at machine speed, which is what the per-sender cost limits stop: they
# are off unless a test turns them on (tests/handlers/test_limits.py), as HandlerConfig has them.
for _limit in (
    "LIMIT_INBOUND_PER_MINUTE",
    "LIMIT_REPLIES_PER_HOUR",
    "LIMIT_LOOP_REPEATS",
    "LIMIT_LOOP_FAST_REPLIES",
    "TICKET_NOTICE_MINUTES",
):
    os.environ.setdefault(_limit, "0")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("databases"))
    yield templates
    templates.close()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, templates: Templates, tmp_path) -> str:
    """A migrated, empty database on each backend."""
    return templates.url(request.param, tmp_path)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await empty_tables(database)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return Knowledge.load()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(clock: FakeClock) -> HandlerConfig:
    return HandlerConfig(
        clock=clock, staff_admins=frozenset({"1001"}), staff_agents=frozenset({"1002"})
    )


@pytest.fixture
def conversation(db: Database, knowledge: Knowledge, config: HandlerConfig) -> Conversation:
    return Conversation(db, knowledge, config)


@pytest.fixture
def chat(conversation: Conversation) -> Chat:
    return Chat(conversation)
