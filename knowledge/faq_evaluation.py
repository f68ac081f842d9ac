"""Scoring the FAQ matcher against a set of people's questions (tests and benchmarks share it).

A set is a YAML file with `in_scope` cases ({q, id, lang}: the entry that should answer and the
language of the answer) and `out_of_scope` cases ({q, lang?}: questions the FAQ does not
answer). The figures are those docs/benchmarks.md reports for the FAQ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from knowledge.faq import FaqIndex, Match
from knowledge.yamlfile import read_yaml


def load_cases(path: Path) -> dict:
    return read_yaml(path)


def best_id(match: Match) -> str | None:
    """The entry offered first: the answer, or the first "did you mean" choice."""
    if match.entry is not None:
        return match.entry.id
    return match.suggestions[0][0].id if match.suggestions else None


@dataclass
class Report:
    in_scope: int = 0
    out_of_scope: int = 0
    top1: int = 0  # best candidate right, answered or first choice
    answered_right: int = 0
    answered_wrong: int = 0
    rejected: int = 0  # out-of-scope questions not answered with confidence
    language_cases: int = 0
    language_right: int = 0
    # (question, expected, outcome, got, score) for what went wrong, to read when tuning.
    misses: list[tuple[str, str, str, str | None, float]] = field(default_factory=list)
    false_answers: list[tuple[str, str, float]] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        n, m = max(self.in_scope, 1), max(self.out_of_scope, 1)
        return {
            "top-1 accuracy": self.top1 / n,
            "answered and right": self.answered_right / n,
            "answered but wrong": self.answered_wrong / n,
            "out-of-scope rejection": self.rejected / m,
            "language correct": self.language_right / max(self.language_cases, 1),
        }


def evaluate(index: FaqIndex, cases: dict) -> Report:
    report = Report()
    for case in cases["in_scope"]:
        match = index.search(case["q"])
        got = best_id(match)
        report.in_scope += 1
        report.top1 += got == case["id"]
        if match.outcome == "answer":
            report.answered_right += got == case["id"]
            report.answered_wrong += got != case["id"]
        if match.outcome != "answer" or got != case["id"]:
            report.misses.append((case["q"], case["id"], match.outcome, got, match.score))
    for case in cases["out_of_scope"]:
        match = index.search(case["q"])
        report.out_of_scope += 1
        if match.outcome == "answer":
            report.false_answers.append((case["q"], best_id(match) or "", match.score))
        else:
            report.rejected += 1
    for case in cases["in_scope"] + cases["out_of_scope"]:
        if not case.get("lang"):  # "ok", "lol", gibberish: no language to get right
            continue
        # The hint is always the wrong language: only what the text says counts.
        hint = "en" if case["lang"] == "fr" else "fr"
        report.language_cases += 1
        report.language_right += index.search(case["q"], hint).lang == case["lang"]
    return report


@dataclass
class IntentReport:
    """How knowledge/intents.py reads a set of phrasings ({q, intent} and `none` cases)."""

    cases: int = 0
    right: int = 0
    wrong: int = 0  # read as another intent: the worst outcome
    missed: int = 0  # not read as an intent (the FAQ then answers)
    none_cases: int = 0
    none_rejected: int = 0  # `none` cases not read as any intent
    language_cases: int = 0
    language_right: int = 0
    errors: list[tuple[str, str, str | None]] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        n, m = max(self.cases, 1), max(self.none_cases, 1)
        return {
            "intent right": self.right / n,
            "intent wrong": self.wrong / n,
            "intent missed": self.missed / n,
            "non-intents rejected": self.none_rejected / m,
            "language correct": self.language_right / max(self.language_cases, 1),
        }


def evaluate_intents(index, cases: dict) -> IntentReport:  # noqa: ANN001 - IntentIndex
    report = IntentReport()
    for case in cases.get("intents", []):
        found = index.match(case["q"])
        got = found.intent if found else None
        report.cases += 1
        report.right += got == case["intent"]
        report.wrong += got is not None and got != case["intent"]
        report.missed += got is None
        if got != case["intent"]:
            report.errors.append((case["q"], case["intent"], got))
        if case.get("lang") and found is not None and found.lang is not None:
            report.language_cases += 1
            report.language_right += found.lang == case["lang"]
    for case in cases.get("none", []):
        found = index.match(case["q"])
        report.none_cases += 1
        if found is None:
            report.none_rejected += 1
        else:
            report.errors.append((case["q"], "-", found.intent))
    return report
