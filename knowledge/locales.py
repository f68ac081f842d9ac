"""UI strings per language, from `knowledge/locales/<lang>.yaml`; a new language is a new file.

Keys are dotted paths into the YAML ("menu.title"). A key missing in one language falls back to
the default language, so a half-translated file still works; `kb check` lists what is missing.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "fr"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if not isinstance(key, str):  # YAML 1.1 reads a bare `yes:` or `no:` key as a boolean
            raise ValueError(f"UI string key {prefix}{key!r} is not text: quote it")
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


@dataclass(frozen=True)
class Locales:
    strings: dict[str, dict[str, Any]]  # language -> key -> text
    default: str = DEFAULT_LANGUAGE

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR, default: str = DEFAULT_LANGUAGE) -> Locales:
        strings = {
            path.stem: _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
            for path in sorted(directory.glob("*.yaml"))
        }
        if default not in strings:
            raise ValueError(f"no locale file for the default language {default!r}")
        return cls(strings, default)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.strings)

    def supports(self, language: str | None) -> bool:
        return language in self.strings

    def name(self, language: str) -> str:
        return str(self.strings[language].get("meta.name", language))

    def raw(self, language: str, key: str) -> Any:
        for lang in (language, self.default):
            value = self.strings.get(lang, {}).get(key)
            if value is not None:
                return value
        raise KeyError(f"missing UI string {key!r}")

    def t(self, language: str, key: str, /, **values: Any) -> str:
        text = self.raw(language, key)
        return str(text).format(**values).strip() if values else str(text).strip()

    def language_for_word(self, folded_word: str) -> str | None:
        """'english' -> 'en': each locale lists words that choose it (meta.keywords)."""
        for lang, strings in self.strings.items():
            if folded_word in strings.get("meta.keywords", ()):
                return lang
        return None

    def problems(self) -> list[str]:
        """`<lang>.yaml: key: problem` for keys missing in a language (they fall back to the
        default language) and for `{placeholders}` that differ from the default language's,
        which would make a translated string fail when the program fills it in."""
        reference = self.strings[self.default]
        found: list[str] = []
        for lang, strings in self.strings.items():
            for key, text in reference.items():
                if key not in strings:
                    found.append(f"{lang}.yaml: {key}: missing (the {self.default} text is used)")
                elif _fields(strings[key]) != _fields(text):
                    found.append(
                        f"{lang}.yaml: {key}: placeholders {sorted(_fields(strings[key]))} "
                        f"differ from {self.default}'s {sorted(_fields(text))}"
                    )
        return found


def _fields(text: Any) -> set[str]:
    if not isinstance(text, str):
        return set()
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<malformed braces>"}
