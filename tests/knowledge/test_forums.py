"""forums.yaml: the shipped file is valid, and `check_forums` names every kind of mistake."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from knowledge.forums import FORUMS_FILE, ForumsError, check_forums, load_forums


def test_the_shipped_forums_are_valid() -> None:
    assert check_forums() == []
    forums = load_forums()
    assert list(forums.forums) == ["fidima", "women_forum", "diaspo_istm"]
    assert [f.code_prefix for f in forums.forums.values()] == ["FID", "FEM", "IST"]
    assert "sector" in forums.forums["fidima"].fields
    assert "gender" in forums.forums["women_forum"].fields


def test_the_shipped_forums_have_no_open_edition() -> None:
    # The source documents announce no new edition: no date, place or capacity is shipped, and
    # no forum takes registration until staff open an edition.
    forums = load_forums().forums.values()
    assert all(not f.edition_open and not f.dates_confirmed for f in forums)
    assert not any(f.is_open(datetime(2027, 1, 1, tzinfo=UTC)) for f in forums)
    assert "TO SET" not in FORUMS_FILE.read_text(encoding="utf-8")


def test_the_registration_window_counts_in_the_forums_local_date() -> None:
    forum = (
        load_forums()
        .forums["fidima"]
        .with_edition(date(2027, 3, 15), date(2027, 3, 16), "Bamako", 500, date(2026, 11, 1))
    )
    tokyo = forum.__class__(**{**forum.__dict__, "timezone": "Asia/Tokyo"})
    evening = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)  # 15 March in Bamako, 16th in Tokyo
    assert forum.is_open(evening)  # open until its first day included
    assert not tokyo.is_open(evening)
    assert forum.is_open(datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
    assert not forum.is_open(datetime(2026, 10, 31, 23, 59, tzinfo=UTC))
    assert forum.days_until(datetime(2027, 3, 8, 12, tzinfo=UTC)) == 7


def _shipped() -> dict:
    return yaml.safe_load(FORUMS_FILE.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "forums.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _forum(data: dict, forum_id: str = "fidima") -> dict:
    return next(f for f in data["forums"] if f["id"] == forum_id)


CASES = [
    ("missing English name", lambda d: _forum(d)["name"].pop("en"), "fidima: name.en is missing"),
    ("unknown field", lambda d: _forum(d)["fields"].append("passport"), "field 'passport'"),
    ("no name field", lambda d: _forum(d)["fields"].remove("name"), "must include name"),
    (
        "dates in the file",
        lambda d: _forum(d).update(starts_on=date(2027, 3, 15)),
        "fidima: starts_on belongs to an edition: staff open one with `diaspora-bot forum open",
    ),
    ("a capacity in the file", lambda d: _forum(d).update(capacity=500), "capacity belongs to"),
    ("bad time zone", lambda d: _forum(d).update(timezone="Mali/Bamako"), "timezone"),
    (
        "same prefix twice",
        lambda d: _forum(d, "women_forum").update(code_prefix="FID"),
        "women_forum: code_prefix FID is also fidima's",
    ),
    ("lower-case prefix", lambda d: _forum(d).update(code_prefix="fid"), "code_prefix must be"),
    ("same id twice", lambda d: d["forums"].append(dict(_forum(d))), "fidima: id appears twice"),
    (
        "prompt too long for one SMS",
        lambda d: d["fields"]["city"]["prompt"].update(fr="Votre ville ? " * 20),
        "fields.city: prompt.fr must fit one GSM-7 SMS segment",
    ),
    ("unknown type", lambda d: d["fields"]["city"].update(type="town"), "type must be one of"),
    ("choice without choices", lambda d: d["fields"]["sector"].pop("choices"), "needs choices"),
    (
        "choice without English",
        lambda d: d["fields"]["gender"]["choices"][0]["label"].pop("en"),
        "fields.gender.woman: label.en is missing",
    ),
]


@pytest.mark.parametrize(("what", "change", "problem"), CASES, ids=[c[0] for c in CASES])
def test_check_names_the_problem(tmp_path: Path, what: str, change, problem: str) -> None:  # type: ignore[no-untyped-def]
    data = _shipped()
    change(data)
    problems = check_forums(_write(tmp_path, data))
    assert any(problem in p for p in problems), problems
    assert all(p.startswith("forums.yaml: ") for p in problems)
    with pytest.raises(ForumsError):
        load_forums(_write(tmp_path, data))


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "forums.yaml"
    path.write_text("forums: [", encoding="utf-8")
    assert check_forums(path)[0].startswith("forums.yaml: file: cannot be read")
