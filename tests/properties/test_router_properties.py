"""Property (hypothesis) of the whole conversation: whatever a person sends, on any channel, the
router answers it without the apology of a failed turn, and an SMS answer stays within the
segment budget. One database takes every example: a long conversation with a stranger."""

from __future__ import annotations

from functools import partial

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.render import render_for_sms
from bot.channels.telegram_render import render_telegram
from bot.conversation import Conversation, render_plain
from handlers.vocabulary import Inbound
from knowledge.gsm7 import segments

BUDGET = 2
RENDER = {
    "sms": partial(render_for_sms, max_segments=BUDGET),
    "telegram": render_telegram,
    "console": render_plain,
}
ADDRESS = {"sms": "tel:+22376123456", "telegram": "telegram:4242", "console": "console:fuzz"}
WORDS = [
    "menu",
    "MES DONNEES",
    "INSCRIPTION",
    "FAMILLE",
    "PLUS",
    "1",
    "2",
    "oui",
    "non",
    "ANNULER",
    "ABONNER",
    "LANGUE en",
    "CONSEILLER",
    "/start",
    "double nationalité ?",
]

messages = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=4).map(" ".join),
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=messages, channel=st.sampled_from(sorted(RENDER)))
async def test_the_router_answers_anything(
    conversation: Conversation, text: str, channel: str
) -> None:
    inbound = Inbound(channel, ADDRESS[channel], text, received_at=conversation.config.clock())
    turn = await conversation.handle(inbound, RENDER[channel])
    assert turn.route is not None and (turn.route.kind, turn.route.name) != ("guard", "error")
    if channel == "sms":
        assert sum(segments(out.text).segments for out in turn.outgoing) <= BUDGET
