"""`diaspora-bot kb check`: every knowledge file validated, as `file: entry: problem` lines."""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge.faq_check import check_faq
from knowledge.forums import check_forums
from knowledge.locales import LOCALES_DIR, Locales
from knowledge.translations import pack_problems

KNOWLEDGE_DIR = Path(__file__).parent


def _forum_ids(path: Path) -> set[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(forum.get("id")) for forum in data.get("forums") or [] if isinstance(forum, dict)}


def check_knowledge(root: Path = KNOWLEDGE_DIR) -> list[str]:
    problems: list[str] = []
    try:
        locales = Locales.load(root / LOCALES_DIR.name)
        problems += locales.problems()
        problems += pack_problems(locales, root / "faq")
    except (ValueError, yaml.YAMLError) as exc:
        problems.append(f"locales: {exc}")
    problems += check_faq(root / "faq", _forum_ids(root / "forums.yaml"))
    problems += check_forums(root / "forums.yaml")
    return problems
