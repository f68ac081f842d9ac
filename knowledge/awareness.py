"""Awareness series (`knowledge/awareness/*.yaml`): numbered messages sent one a week.

Each message has an `sms` version (one GSM-7 segment once transliterated) and a longer `text`
for Telegram and the console, in every language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.gsm7 import segments, transliterate
from knowledge.locales import Locales
from knowledge.openers import opener_problem
from knowledge.yamlfile import read_yaml

AWARENESS_DIR = Path(__file__).parent / "awareness"
DEFAULT_SERIES = "irregular_migration"


@dataclass(frozen=True)
class AwarenessMessage:
    number: int
    id: str
    sms: dict[str, str]
    text: dict[str, str]
    series: str = ""

    def for_channel(
        self, channel: str, language: str, default: str = "fr", locales: Locales | None = None
    ) -> str:
        """The SMS version on SMS, the longer text elsewhere, in `language` if we have it: a
        reviewed translation in its pack (`locales`), else the language's fallback."""
        versions = self.sms if channel == "sms" else self.text
        if locales is not None:
            field = "sms" if channel == "sms" else "text"
            key = f"awareness.{self.series}.{self.id}.{field}"
            text, _ = locales.content(language, key, versions)
            if text:
                return text.strip()
        return (versions.get(language) or versions[default]).strip()


@dataclass(frozen=True)
class Series:
    id: str
    title: dict[str, str]
    messages: tuple[AwarenessMessage, ...]

    def __len__(self) -> int:
        return len(self.messages)

    def message(self, number: int) -> AwarenessMessage | None:
        """Message `number` (1-based), or None past the end of the series."""
        if 1 <= number <= len(self.messages):
            return self.messages[number - 1]
        return None


def load(path: Path) -> Series:
    data = read_yaml(path)
    header = data["series"]
    messages = tuple(
        AwarenessMessage(
            number=int(m["number"]),
            id=str(m["id"]),
            sms={k: str(v) for k, v in m["sms"].items()},
            text={k: str(v) for k, v in m["text"].items()},
            series=str(header["id"]),
        )
        for m in sorted(data["messages"], key=lambda m: int(m["number"]))
    )
    series = Series(str(header["id"]), dict(header.get("title") or {}), messages)
    problems = check(series)
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    return series


def check(series: Series) -> list[str]:
    """What is wrong with a series: numbering, missing languages, SMS longer than a segment."""
    problems = []
    numbers = [m.number for m in series.messages]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"messages must be numbered 1..{len(numbers)}, found {numbers}")
    for m in series.messages:
        for lang in ("fr", "en"):
            if not m.sms.get(lang) or not m.text.get(lang):
                problems.append(f"message {m.number}: no {lang} version")
        for lang, sms in m.sms.items():
            if segments(transliterate(sms.strip())).segments > 1:
                problems.append(f"message {m.number} ({lang}): the SMS is over one segment")
        for version, texts in (("sms", m.sms), ("text", m.text)):
            for lang, text in texts.items():
                problem = opener_problem(text)
                if problem:
                    problems.append(f"message {m.number} {version} {lang}: {problem}")
    return problems


@lru_cache(maxsize=8)
def series(name: str = DEFAULT_SERIES, directory: Path = AWARENESS_DIR) -> Series:
    """A series by id, loaded once per process."""
    return load(directory / f"{name}.yaml")
