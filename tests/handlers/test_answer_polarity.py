"""Answers read as the asker reads them: a negated or inverted question gets the rule, not a "yes".

An answer is shown for many phrasings. "Do I lose my Malian nationality?" answered "Yes. ..." tells
the person the opposite of article 249, so every answer opens with the rule itself. Each case below
is a question that once got a leading "Oui"/"Yes"; the reply must state the rule and open with
something else than a bare yes/no.
"""

from __future__ import annotations

from functools import partial

import pytest

from bot.channels.render import render_for_sms
from knowledge.openers import bare_opener
from tests.chat import Chat

NATIONALITY = [
    (
        "Si je prends la nationalité française, est-ce que je perds la nationalité malienne ?",
        "ne perd la nationalité malienne que s'il le déclare",
    ),
    (
        "Est-ce que je dois renoncer à la nationalité malienne si je deviens français ?",
        "ne perd la nationalité malienne que s'il le déclare",
    ),
    (
        "Est-il interdit d'avoir la double nationalité malienne et française ?",
        "Le Mali admet la double nationalité",
    ),
    ("If I become a French citizen, do I lose my Malian nationality?", "only if they declare it"),
    ("Do I have to renounce my Malian citizenship to become American?", "only if they declare it"),
    ("Is it forbidden to hold dual citizenship with Mali?", "Mali allows dual nationality"),
]
PUBLIC_SERVICE = [
    (
        "Un Malien de la diaspora est-il exclu des concours de la fonction publique malienne ?",
        "citoyen malien à part entière",
    ),
    (
        "Est-ce interdit d'inscrire mes enfants dans une école au Mali quand on vit dehors ?",
        "citoyen malien à part entière",
    ),
    (
        "Is a diaspora Malian barred from applying for a job in the Malian public service?",
        "full Malian citizen",
    ),
]
CUSTOMS = [
    (
        "Est-ce que je dois payer la douane sur le matériel de mon investissement au Mali ?",
        "exonération douanière",
    ),
    (
        "Les investissements de la diaspora ne sont-ils pas exonérés de douane ?",
        "exonération douanière",
    ),
    (
        "Do I have to pay customs duties on equipment for my investment in Mali?",
        "customs exemption",
    ),
]
WOMEN_FORUM = [
    ("Quand a lieu le prochain forum des femmes de la diaspora ?", "juillet 2016"),
    ("Il n'y a pas de forum pour les femmes de la diaspora malienne ?", "juillet 2016"),
    ("When is the next women's forum of the Malian diaspora?", "July 2016"),
]


@pytest.mark.parametrize(
    ("question", "rule"), NATIONALITY + PUBLIC_SERVICE + CUSTOMS + WOMEN_FORUM
)
async def test_a_negated_question_gets_the_rule_not_a_yes(
    chat: Chat, question: str, rule: str
) -> None:
    reply = await chat.say(question)
    assert rule in reply
    assert bare_opener(reply) is None, reply[:80]


@pytest.mark.parametrize(("question", "rule"), NATIONALITY[:2] + NATIONALITY[3:5])
async def test_the_sms_answer_states_the_rule_too(conversation, question: str, rule: str) -> None:
    # 555-01xx: a North American range reserved for fiction, no one's real number.
    sms = Chat(
        conversation, "tel:+15555550100", "sms", render=partial(render_for_sms, max_segments=2)
    )
    reply = await sms.say(question)
    assert "ne perd la nationalit" in reply or "only if they declare" in reply
    assert bare_opener(reply) is None, reply[:80]
