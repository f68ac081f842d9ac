"""All the knowledge the bot serves, loaded once at start and shared by every conversation."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.faq import FaqIndex
from knowledge.forums import Forums, load_forums
from knowledge.language import Recognition, recognise
from knowledge.locales import Locales


@dataclass(frozen=True)
class Knowledge:
    locales: Locales
    faq: FaqIndex
    forums: Forums | None = None  # knowledge/forums.yaml: what people can register for

    @classmethod
    def load(
        cls,
        *,
        semantic: bool = False,
        languages: tuple[str, ...] | None = None,
        drafts: bool = False,
    ) -> Knowledge:
        """Everything in knowledge/. `semantic`: the FAQ's sentence embeddings, built in the
        background (FaqIndex.load). The bot turns them on from its FAQ_SEMANTIC setting (default
        true: Services.start, `ask`); other callers (tests, scripts) get words only unless they
        ask, so they neither pay ~3 s of CPU nor depend on when a background thread finishes.
        `languages`, `drafts`: the LANGUAGES and LANGUAGE_DRAFTS settings (knowledge/locales.py).
        """
        return cls(
            locales=Locales.load(languages=languages, drafts=drafts),
            faq=FaqIndex.load(semantic=semantic),
            forums=load_forums(),
        )

    def detect_language(self, text: str, fallback: str) -> str:
        """The language `text` is written in, among those we speak; `fallback` when unsure.

        Without the FAQ's vocabulary vote (FaqIndex.detect_language): a newcomer's first message
        is often a command with an id ("INSCRIPTION women_forum"), not a question.
        """
        return self.answer_language(recognise(text), fallback)

    def answer_language(self, recognition: Recognition, fallback: str) -> str:
        """The offered language to answer a recognised text in: its own, else its fallback
        (Bambara not offered yet: French), else `fallback` when the text does not tell."""
        detected = recognition.language
        if detected is None:
            return fallback
        if not self.locales.supports(detected):
            detected = self.locales.fallback(detected)
        return detected if self.locales.supports(detected) else fallback
