"""Languages (issue 18): recognition of short texts on the held-out list
(tests/knowledge/language_heldout.yaml), and what the Bambara pack costs on SMS.

    .venv/bin/python -m benchmarks.languages

Prints, per language, how many texts are recognised right, with the detector alone (French or
English: what the bot did before issue 18) and with the Bambara/Soninke lexicon; then the mixed
texts (a Bambara greeting around a French question): answered in the question's language, and
the other language noticed. Last, the Bambara strings' SMS segments sent as written (ɛ, ɔ, ɲ, ŋ
force UCS-2) and as the bot sends them (transliterated to è, ò, ny, ng: GSM-7).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import yaml

from knowledge.gsm7 import segments, transliterate
from knowledge.language import detect_language, lexicon_hits, question_part, recognise
from knowledge.locales import Locales

HELDOUT = Path(__file__).parent.parent / "tests" / "knowledge" / "language_heldout.yaml"


def main() -> None:
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    print(f"held-out list: {HELDOUT.name}")
    print(f"{'lang':<6}{'texts':>6}{'fr/en detector':>16}{'with lexicon':>14}   wrong answers")
    total_right = total = 0
    for lang in ("bm", "snk", "fr", "en"):
        texts = data[lang]
        before = sum(detect_language(t, "fr" if lang == "en" else "en") == lang for t in texts)
        results = [recognise(t).language for t in texts]
        right = sum(r == lang for r in results)
        wrong = Counter(str(r) for r in results if r != lang)
        total_right += right
        total += len(texts)
        print(
            f"{lang:<6}{len(texts):>6}{before:>10}/{len(texts):<5}{right:>8}/{len(texts):<5}"
            f"   {dict(wrong) or ''}"
        )
    print(f"{'all':<6}{total:>6}{'':>16}{total_right:>8}/{total:<5} ({total_right / total:.0%})")
    mixed = data["mixed"]
    lang_right = sum(recognise(m["text"]).language == m["lang"] for m in mixed)
    noticed = sum(m["also"] in recognise(m["text"]).also for m in mixed)
    print(
        f"mixed {len(mixed)}: answered in the question's language {lang_right}/{len(mixed)}, "
        f"other language noticed {noticed}/{len(mixed)}"
    )

    # What a question costs the FAQ path on top of the search (handlers/faq.py): the lexicon
    # read twice (question_part, reply_language), plus recognise when it has Bambara words.
    every = [t for lang in ("bm", "snk", "fr", "en") for t in data[lang]]
    every += [m["text"] for m in mixed]
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        for text in every:
            question_part(text)
            lexicon_hits(text)
    lexicon_us = (time.perf_counter() - started) / (rounds * len(every)) * 1e6
    started = time.perf_counter()
    for _ in range(rounds // 10):
        for text in every:
            recognise(text)
    recognise_us = (time.perf_counter() - started) / (rounds // 10 * len(every)) * 1e6
    print(
        f"cost per text ({len(every)} texts): lexicon twice {lexicon_us:.0f} us; "
        f"recognise (with the fr/en model) {recognise_us:.0f} us"
    )

    pack = Locales.load(drafts=True).packs["bm"]
    texts = [t.text for t in pack.strings.values()]
    raw = [segments(t) for t in texts]
    sent = [segments(transliterate(t)) for t in texts]
    print(
        f"bm pack, {len(texts)} strings on SMS: as written {sum(s.segments for s in raw)} "
        f"segments ({sum(s.encoding == 'UCS-2' for s in raw)} in UCS-2); as sent "
        f"{sum(s.segments for s in sent)} segments ({sum(s.encoding == 'UCS-2' for s in sent)} "
        f"in UCS-2)"
    )


if __name__ == "__main__":
    main()
