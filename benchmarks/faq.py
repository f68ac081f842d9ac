"""FAQ matcher figures: accuracy, rejection, language, latency; shipped and synthetic 5,000.

    taskset -c 0 python -m benchmarks.faq          (from the repository root; one core)
    taskset -c 0 python -m benchmarks.faq --encoders   (question encoders compared, interleaved)
    taskset -c 0 python -m benchmarks.faq --no-synthetic   (shipped FAQ and intents only)
    taskset -c 0 python -m benchmarks.faq --no-synthetic --misses   (and each set's misses)
    taskset -c 0 python -m benchmarks.faq --no-synthetic --no-sealed   (the sealed sets, written
        apart and never opened, left out: what an engineer changing the engine runs; the old
        name --no-heldout3 still works)

Prints, for the shipped knowledge base (knowledge/faq) and each question set of SETS and
INTENT_SETS (development sets, and the sealed ones written apart and never tuned on), both
search modes (words only, and words + sentence embeddings where words leave a doubt),
then latency on a synthetic base of 5,000 entries. The figures go to docs/benchmarks.md,
section "FAQ".
"""

from __future__ import annotations

import os

# One core, as the target says: keep numpy's BLAS from spreading over the others.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import random  # noqa: E402
import statistics  # noqa: E402
import string  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from knowledge.faq import FaqIndex  # noqa: E402
from knowledge.faq_entries import Entry, Topic  # noqa: E402
from knowledge.faq_evaluation import evaluate, evaluate_intents, load_cases  # noqa: E402
from knowledge.intents import IntentIndex  # noqa: E402

TESTS = Path(__file__).resolve().parent.parent / "tests" / "knowledge"
# "held-out 4", "held-out 5" and "held-out 6" were written apart and are never tuned on
# (test_sealed_sets.py): the figures that say how the engine does on questions nobody fitted
# it to. "held-out 3" was too until session 6 opened it to study its misses
# (tests/knowledge/test_heldout3.py).
SETS = {
    "eval": TESTS / "faq_eval.yaml",
    "held-out": TESTS / "faq_heldout.yaml",
    "held-out 3": TESTS / "faq_heldout3.yaml",
    "held-out 4": TESTS / "faq_heldout4.yaml",
    "held-out 5": TESTS / "faq_heldout5.yaml",
    "held-out 6": TESTS / "faq_heldout6.yaml",
    # Session 5's development set: near-domain questions out of scope, tricky ones in scope.
    "dev 4": TESTS / "faq_dev4.yaml",
}
INTENT_SETS = {
    "held-out": TESTS / "intents_heldout.yaml",
    # Branch intents4: written before the cues and tuned on; written after a first tuning; and
    # measured once, never tuned on (tests/knowledge/test_intents.py).
    "dev4": TESTS / "intents_dev4.yaml",
    "check4": TESTS / "intents_check4.yaml",
    "blind4": TESTS / "intents_blind4.yaml",
    "confusable4": TESTS / "intents_confusable4.yaml",
    # Branch intents5: messages with an intent's words about something else (tuned on), and a
    # blind set written after the rules, measured once (docs/benchmarks.md, "Intents, session 5").
    "precision5": TESTS / "intents_precision5.yaml",
    "blind5": TESTS / "intents_blind5.yaml",
    "held-out 3": TESTS / "intents_heldout3.yaml",
    "held-out 4": TESTS / "intents_heldout4.yaml",
    "held-out 5": TESTS / "intents_heldout5.yaml",
    "held-out 6": TESTS / "intents_heldout6.yaml",
}
# Left out by --no-sealed (engineers changing the engine never see their figures). Set 3 was
# sealed until session 6, then opened to study the misses it shows: a development set since.
APART = frozenset({"held-out 4", "held-out 5", "held-out 6"})


def sealed_left_out() -> bool:
    return "--no-sealed" in sys.argv or "--no-heldout3" in sys.argv


SYNTHETIC_ENTRIES = 5000
REPEATS = 5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latency(index: FaqIndex, questions: list[str]) -> str:
    """p50 and p99 in milliseconds of one search, over REPEATS passes: wall clock, and CPU time
    of the searching thread (what the search costs, whatever else the machine is doing). The
    first pass alone is reported too: the question encoder keeps the tokens it learns."""
    index.search("bonjour")  # the language model loads on first use
    wall, cpu = [], []
    for _ in range(REPEATS):
        for question in questions:
            start, start_cpu = time.perf_counter(), time.thread_time()
            index.search(question)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
    first = cpu[: len(questions)]
    return (
        f"p50 {statistics.median(wall):.2f} ms, p99 {percentile(wall, 0.99):.2f} ms "
        f"(CPU p50 {statistics.median(cpu):.2f} ms, p99 {percentile(cpu, 0.99):.2f} ms; "
        f"first pass CPU p99 {percentile(first, 0.99):.2f} ms)"
    )


def shipped(sets: dict[str, dict]) -> None:
    questions = [
        c["q"] for cases in sets.values() for c in cases["in_scope"] + cases["out_of_scope"]
    ]
    for name, cases in sets.items():
        print(f"{name} set: {len(cases['in_scope'])} in scope, {len(cases['out_of_scope'])} out")
    for semantic in (False, True):
        start = time.perf_counter()
        index = FaqIndex.load(semantic=semantic)
        loaded = time.perf_counter() - start
        label = "words + meaning" if semantic else "words only"
        print(f"\nshipped FAQ, {label}: {len(index.entries)} entries, load {loaded * 1000:.0f} ms")
        if semantic:
            start = time.perf_counter()
            index.wait_until_ready()
            ready = time.perf_counter() - start
            print(f"  embeddings ready {ready:.2f} s after load (background thread)")
        print(f"  {'':24} " + "  ".join(f"{name:>8}" for name in sets))
        reports = {name: evaluate(index, cases) for name, cases in sets.items()}
        for figure in next(iter(reports.values())).figures():
            values = "  ".join(f"{r.figures()[figure]:8.3f}" for r in reports.values())
            print(f"  {figure:24} {values}")
        print(f"  latency per question     {latency(index, questions)}")
        if "--misses" in sys.argv:
            for name, report in reports.items():
                print_misses(name, report)


def print_misses(name: str, report) -> None:  # noqa: ANN001 - faq_evaluation.Report
    """A set's misses by class, to read before changing a rule (never to copy into variants)."""
    classes: dict[str, list[str]] = {
        "confident but wrong": [],
        "unsure, right entry first": [],
        "unsure or none, right entry not first": [],
        "out of scope, answered": [],
    }
    for question, expected, outcome, got, score in report.misses:
        if outcome == "answer":
            kind = "confident but wrong"
        elif got == expected:
            kind = "unsure, right entry first"
        else:
            kind = "unsure or none, right entry not first"
        classes[kind].append(f"{score:5.1f} {question!r}: {expected}, got {got} ({outcome})")
    for question, got, score in report.false_answers:
        classes["out of scope, answered"].append(f"{score:5.1f} {question!r}: {got}")
    for kind, lines in classes.items():
        print(f"  {name}, {kind}: {len(lines)}")
        for line in lines:
            print(f"    {line}")


def _word(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10)))


def synthetic(n: int, seed: int = 7) -> tuple[FaqIndex, list[tuple[str, str]]]:
    """`n` entries over a 20,000-word vocabulary, and typo'd questions aimed at some of them."""
    rng = random.Random(seed)
    vocabulary = [_word(rng) for _ in range(20_000)]
    common = vocabulary[:200]  # words many entries share, as "mali" or "diaspora" do
    entries: dict[str, Entry] = {}
    probes: list[tuple[str, str]] = []
    for i in range(n):
        topic_words = rng.sample(vocabulary, 6)
        questions = {
            lang: [
                " ".join(rng.sample(topic_words, 3) + rng.sample(common, 2) + ["mali"])
                for _ in range(7)
            ]
            for lang in ("fr", "en")
        }
        entry_id = f"synthetic_{i}"
        entries[entry_id] = Entry(
            id=entry_id,
            topic="synthetic",
            title={"fr": topic_words[0], "en": topic_words[0]},
            questions=questions,
            keywords={"fr": topic_words[:2]},
            answer={"fr": ".", "en": "."},
            sms={"fr": ".", "en": "."},
            source="synthetic",
            reviewed="2026-01-01",
        )
        if i % 25 == 0:
            words = rng.sample(topic_words, 3) + [rng.choice(common)]
            typo = words[0][:2] + words[0][3:]  # one letter dropped
            probes.append((" ".join([typo, *words[1:]]) + " ?", entry_id))
    topics = [Topic("synthetic", {"fr": "s", "en": "s"}, tuple(entries))]
    start = time.perf_counter()
    index = FaqIndex(topics, entries, semantic=True)
    print(
        f"\nsynthetic FAQ: {n} entries, {n * 28} question variants, "
        f"index built in {time.perf_counter() - start:.2f} s "
        f"(embeddings used: {index.wait_until_ready(0)})"
    )
    return index, probes


def encoders(sets: dict[str, dict], passes: int = 4) -> None:
    """CPU per search, words only vs meaning with the package's encoder vs the fast one, passes
    interleaved in one process so that the machine's load weighs on all three alike."""
    questions = [
        c["q"] for cases in sets.values() for c in cases["in_scope"] + cases["out_of_scope"]
    ]
    words, meaning = FaqIndex.load(), FaqIndex.load(semantic=True)
    meaning.wait_until_ready()
    scorer = meaning._semantic
    fast = scorer._encoder
    words.search("bonjour"), meaning.search("bonjour")
    modes = ["words only", "package encoder", "fast, 1st pass", "fast, later passes"]
    cpu: dict[str, list[float]] = {mode: [] for mode in modes}
    for n in range(passes):
        for mode in modes:
            if (mode == "fast, 1st pass") != (n == 0) and mode.startswith("fast"):
                continue
            scorer._encoder = fast if mode.startswith("fast") else None
            index = words if mode == "words only" else meaning
            for question in questions:
                start = time.thread_time()
                index.search(question)
                cpu[mode].append((time.thread_time() - start) * 1000)
    for mode, values in cpu.items():
        print(
            f"  {mode:20} CPU p50 {statistics.median(values):.2f} ms, "
            f"p99 {percentile(values, 0.99):.2f} ms ({len(values)} searches)"
        )


def intents(sets: dict[str, dict]) -> None:
    """Issue 13: how knowledge/intents.py reads its held-out phrasings, and how many FAQ
    questions it takes for an action (only those about the bot itself should be)."""
    faq = FaqIndex.load()
    index = IntentIndex.load(known_words=faq.known_words, rarity=faq.word_rarity)
    for set_name, path in INTENT_SETS.items():
        if sealed_left_out() and set_name in APART:
            continue
        report = evaluate_intents(index, load_cases(path))
        print(
            f"\nintents, {set_name} phrasings "
            f"({report.cases} intents, {report.none_cases} non-intents)"
        )
        for figure, value in report.figures().items():
            print(f"  {figure:24} {value:8.3f}")
    for name, cases in sets.items():
        taken = [
            (c["q"], c.get("id"), found.intent)
            for c in cases["in_scope"]
            if (found := index.match(c["q"])) is not None and not c["id"].startswith("bot_")
        ]
        print(f"  FAQ {name} questions (not about the bot) read as an intent: {len(taken)}")
    # The intent check runs on every message before the FAQ: its own CPU per message.
    messages = [
        c["q"] for cases in sets.values() for c in cases["in_scope"] + cases["out_of_scope"]
    ]
    for path in INTENT_SETS.values():
        cases = load_cases(path)
        messages += [c["q"] for c in cases.get("intents", []) + cases.get("none", [])]
    cpu = []
    for _ in range(REPEATS):
        for message in messages:
            start = time.thread_time()
            index.match(message)
            cpu.append((time.thread_time() - start) * 1000)
    print(
        f"  intent check per message  CPU p50 {statistics.median(cpu):.2f} ms, "
        f"p99 {percentile(cpu, 0.99):.2f} ms ({len(messages)} messages)"
    )


def main() -> None:
    # --no-sealed: what engineers changing the engine run, so that they never see the figures
    # of the sealed sets; the lead runs without it.
    apart = sealed_left_out()
    sets = {name: load_cases(path) for name, path in SETS.items() if not (apart and name in APART)}
    if "--encoders" in sys.argv:
        encoders(sets)
        return
    shipped(sets)
    intents(sets)
    if "--no-synthetic" in sys.argv:
        return
    cases = sets["eval"]
    index, probes = synthetic(SYNTHETIC_ENTRIES)
    right = sum(
        (m := index.search(q)).entry is not None
        and m.entry.id == expected
        or bool(m.suggestions)
        and m.suggestions[0][0].id == expected
        for q, expected in probes
    )
    print(f"  top-1 on {len(probes)} typo'd probes  {right / len(probes):.3f}")
    questions = [q for q, _ in probes] + [c["q"] for c in cases["in_scope"][:100]]
    print(f"  latency per question     {latency(index, questions)}")


if __name__ == "__main__":
    main()
