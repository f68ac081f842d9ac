"""All the knowledge the bot serves, loaded once at start and shared by every conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from knowledge.forums import Forums, load_forums
from knowledge.locales import Locales


@dataclass(frozen=True)
class Knowledge:
    locales: Locales
    faq: Any = None  # knowledge.faq.FaqIndex, once the FAQ engine is present
    forums: Forums | None = None  # knowledge/forums.yaml: what people can register for

    @classmethod
    def load(cls) -> Knowledge:
        return cls(locales=Locales.load(), forums=load_forums())

    def detect_language(self, text: str, fallback: str) -> str:
        """The language `text` is written in, among those we speak; `fallback` when unsure."""
        return fallback
