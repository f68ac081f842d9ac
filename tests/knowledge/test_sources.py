"""Only what the sources say: claims an audit found in no source document stay out.

The audit (issue 12) found advice that no source gives ("a real job abroad comes with a contract
and a visa") and the employment agency ANPE presented as finding or checking jobs abroad, where
the diaspora policy document only says it works on "employability internationally".
"""

from __future__ import annotations

import re

from knowledge import awareness
from knowledge.faq_entries import load_faq

UNSOURCED = re.compile(
    r"contrat, visa|contrat et visa|contract and a visa|contract, visa"
    r"|bon point de départ|good starting point|vérifiez l'offre|check the offer"
    r"|s'occupe de l'emploi|handles jobs|deals with the employment|for jobs abroad"
    r"|pour l'emploi à l'international|emploi à l'étranger\)|jobs abroad\)",
    re.IGNORECASE,
)


def _texts() -> list[tuple[str, str]]:
    _, entries = load_faq()
    texts = [
        (entry.id, text)
        for entry in entries.values()
        for versions in (entry.answer, entry.sms)
        for text in versions.values()
    ]
    series = awareness.series()
    texts += [
        (message.id, text)
        for message in series.messages
        for versions in (message.sms, message.text)
        for text in versions.values()
    ]
    return texts


def test_no_text_states_the_unsourced_contract_and_visa_rule_or_an_anpe_job_service() -> None:
    found = [(where, m.group(0)) for where, text in _texts() if (m := UNSOURCED.search(text))]
    assert found == []


def test_every_sentence_about_anpe_sticks_to_what_the_source_says() -> None:
    sourced = re.compile(
        r"employabilit|politique nationale de l'emploi|national employment policy|créée en 2001"
        r"|created (in )?2001|Agence nationale pour l'emploi|National Employment Agency"
        r"|ne décrivent pas|describe no",  # saying what the documents do not say is honest
        re.IGNORECASE,
    )
    sentences = [
        (where, sentence)
        for where, text in _texts()
        for sentence in re.split(r"(?<=[.;!?])\s+|\n", text)
        if "ANPE" in sentence
    ]
    assert sentences, "the ANPE entry still exists"
    assert [(w, s) for w, s in sentences if not sourced.search(s)] == []
