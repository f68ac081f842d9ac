"""Properties (hypothesis) of the text path: the normaliser, the FAQ matcher, the SMS renderer and
the Telegram HTML: no exception on any input, replies within the segment budget, GSM-7 where the
text can be, and well-formed XML whatever a person typed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.sms_render import render_sms, sms_text
from bot.channels.telegram_render import html_text
from handlers.vocabulary import Option, Reply
from knowledge.bundle import Knowledge
from knowledge.gsm7 import is_gsm7, segments
from knowledge.normalise import normalise, spelled_tokens

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Anything a person or a provider can put in a string, lone surrogates aside (no encoding can
# carry them to us: bot/channels/fields.py replaces them on the way in).
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
# Text made only of what GSM-7 can show once transliterated (letters with accents French uses,
# digits, punctuation, newlines).
gsm_able = st.text(
    st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"-()\n")
        + list("éèêëàâçîïôûùÉÈÀÇœ«»’…")
    ),
    max_size=600,
)


def replies(text: st.SearchStrategy[str]) -> st.SearchStrategy[list[Reply]]:
    label = text.map(lambda t: t[:40])
    options = st.lists(st.builds(Option, label, st.text(min_size=1, max_size=30)), max_size=6)
    return st.lists(
        st.builds(Reply, text, options.map(tuple), st.one_of(st.none(), text)),
        min_size=1,
        max_size=4,
    )


@PROPERTY
@given(text=any_text)
def test_the_normaliser_takes_anything(text: str) -> None:
    folded = normalise(text)
    assert isinstance(folded, str)
    assert folded == folded.strip()
    assert all(isinstance(token, str) for token in spelled_tokens(text))


@PROPERTY
@given(text=any_text)
def test_the_faq_matcher_takes_anything(knowledge: Knowledge, text: str) -> None:
    match = knowledge.faq.search(text, lang_hint="fr")
    assert match.outcome in ("answer", "unsure", "none")
    if match.outcome == "answer":
        assert match.entry is not None


@PROPERTY
@given(batch=replies(any_text), budget=st.integers(min_value=1, max_value=4))
def test_sms_replies_stay_within_the_budget_and_are_well_formed(
    batch: list[Reply], budget: int
) -> None:
    rendering = render_sms(batch, max_segments=budget, more_hint="Envoyez PLUS pour la suite.")
    assert rendering.segments <= budget
    twiml = MessagingResponse()
    for body in rendering.messages:
        twiml.message(body)
    ET.fromstring(twiml.to_xml())  # Twilio refuses TwiML that is not well-formed XML


@PROPERTY
@given(batch=replies(gsm_able), budget=st.integers(min_value=1, max_value=4))
def test_sms_replies_are_gsm7_when_the_text_can_be(batch: list[Reply], budget: int) -> None:
    rendering = render_sms(batch, max_segments=budget, more_hint="Envoyez PLUS pour la suite.")
    for body in rendering.messages:
        assert is_gsm7(body), body
        assert segments(body).segments <= budget


@PROPERTY
@given(text=any_text)
def test_every_sms_body_and_telegram_text_is_well_formed_xml(text: str) -> None:
    body = sms_text(text)
    twiml = MessagingResponse()
    twiml.message(body)
    ET.fromstring(twiml.to_xml())
    ET.fromstring(f"<m>{html_text(text)}</m>")
    for forbidden in ("\ufffe", "\uffff", "\x00", "\x1b"):
        assert forbidden not in body and forbidden not in html_text(text)
