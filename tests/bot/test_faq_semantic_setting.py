"""FAQ_SEMANTIC: the bot's FAQ search weighs sentence embeddings unless told not to."""

from __future__ import annotations

from pathlib import Path

from bot.services import Services
from bot.settings import Settings

# Words alone leave it in doubt between registering a company and returning home; its meaning
# does not (see docs/benchmarks.md, "FAQ").
PARAPHRASE = "comment ouvrir une societe rapidement au mali"


def test_the_setting_is_on_unless_the_environment_turns_it_off(monkeypatch) -> None:
    monkeypatch.delenv("FAQ_SEMANTIC", raising=False)
    assert Settings(_env_file=None).faq_semantic is True
    monkeypatch.setenv("FAQ_SEMANTIC", "false")
    assert Settings(_env_file=None).faq_semantic is False


async def test_services_search_with_embeddings_only_when_the_setting_says_so(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    on = await Services.start(Settings(database_url=url, faq_semantic=True), upgrade=True)
    off = await Services.start(Settings(database_url=url, faq_semantic=False))
    try:
        assert on.knowledge.faq.wait_until_ready(timeout=120)
        assert not off.knowledge.faq.wait_until_ready(timeout=0)
        assert on.knowledge.faq.search(PARAPHRASE).outcome == "answer"
        assert off.knowledge.faq.search(PARAPHRASE).outcome == "unsure"
    finally:
        await on.close()
        await off.close()


async def test_commands_that_never_answer_skip_the_model(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    settings = Settings(database_url=url, faq_semantic=True)
    services = await Services.start(settings, upgrade=True, answers=False)
    try:
        assert not services.knowledge.faq.wait_until_ready(timeout=0)
    finally:
        await services.close()


async def test_the_first_message_gets_the_same_engine_as_the_thousandth(tmp_path: Path) -> None:
    """Issue 13: no answer on words alone while the embeddings build in the background."""
    from handlers.vocabulary import Inbound

    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    cache = tmp_path / "cache"
    settings = Settings(database_url=url, faq_semantic=True, faq_cache_dir=str(cache))
    services = await Services.start(settings, upgrade=True)
    try:
        first = await services.conversation.handle(Inbound("console", "console:a", PARAPHRASE))
        text = "\n".join(o.text for o in first.outgoing)
        assert "Vouliez-vous dire" not in text  # words alone say "did you mean"
        assert "API" in text or "guichet" in text.lower()
        assert list(cache.glob("faq-embeddings-*.npy"))  # kept for the next start
        assert list(cache.glob("faq-question-encoder-*.npz"))  # and the encoder's tables
    finally:
        await services.close()
    again = await Services.start(settings, upgrade=False)
    try:
        assert again.knowledge.faq.wait_until_ready(timeout=120)
        assert again.knowledge.faq.search(PARAPHRASE).outcome == "answer"
    finally:
        await again.close()
