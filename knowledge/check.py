"""`diaspora-bot kb check`: every knowledge file validated, as `file: entry: problem` lines."""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge import awareness
from knowledge.faq_check import check_faq
from knowledge.forums import check_forums
from knowledge.locales import LOCALES_DIR, Locales
from knowledge.openers import opener_problem
from knowledge.polls import check_polls
from knowledge.translations import pack_problems
from knowledge.yamlfile import read_yaml

KNOWLEDGE_DIR = Path(__file__).parent


def _forum_ids(path: Path) -> set[str]:
    data = read_yaml(path) or {}
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
    problems += _forum_openers(root / "forums.yaml")
    problems += _awareness_problems(root / awareness.AWARENESS_DIR.name)
    problems += check_polls(root / "polls")
    return problems


def _forum_openers(path: Path) -> list[str]:
    """Forum descriptions are read as answers too ("is there a forum for women?")."""
    data = read_yaml(path) or {}
    problems = []
    for forum in data.get("forums") or []:
        if not isinstance(forum, dict):
            continue
        for key in ("description", "name", "history"):
            texts = forum.get(key) if isinstance(forum.get(key), dict) else {}
            for lang, text in texts.items():
                problem = opener_problem(str(text))
                if problem:
                    problems.append(f"{path.name}: {forum.get('id')}: {key}.{lang} {problem}")
    return problems


def _awareness_problems(directory: Path) -> list[str]:
    problems = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            awareness.load(path)
        except (ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
            problems.append(f"awareness/{path.name}: {exc}")
    return problems
