"""Most asked entries (issue 15): each turn the FAQ answers in full counts once for its entry, a
"did you mean" choice when the person picks it; the overview draws them, `stats` lists them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from storage import stats
from storage.models import Message, utcnow
from tests.admin.conftest import ADMIN, client_for, sign_in
from tests.admin.test_cli import _chat
from tests.bot.test_cli import run
from tests.staff.people import add_people


async def test_an_answer_counts_for_its_entry_and_a_did_you_mean_only_once_chosen(
    chat, db, clock
) -> None:
    assert "double" in (await chat.say("double nationalité")).lower()
    await chat.say("passeport")
    unsure = await chat.say("investir au mali")
    assert "Vouliez-vous dire" in unsure  # three choices offered: none counted yet
    async with db.transaction() as session:
        assert dict(await stats.most_asked(session, clock())) == {
            "nationality_dual": 1,
            "pointer_consular_documents": 1,
        }
    picked = await chat.say("1")  # the first choice: the investment code
    assert "Vouliez-vous dire" not in picked
    await chat.say("menu")  # not an answer of the FAQ
    await chat.say("double nationalité")
    async with db.transaction() as session:
        asked = await stats.most_asked(session, clock())
    assert asked == [
        ("nationality_dual", 2),
        ("investment_code", 1),
        ("pointer_consular_documents", 1),
    ]
    # Thirty days on, those answers are out of the window.
    async with db.transaction() as session:
        assert await stats.most_asked(session, clock() + timedelta(days=31)) == []


async def test_the_overview_draws_the_most_asked_entries_by_title(services, knowledge) -> None:
    [person] = await add_people(services.db, {"address": "tel:+22376000001", "channel": "sms"})
    now = utcnow()
    async with services.db.transaction() as session:
        for entry, n in (("nationality_dual", 3), ("investment_land", 1)):
            for _ in range(n):
                session.add(Message(contact_id=person, channel="sms", direction="out",
                                    text="réponse", status="sent", entry_id=entry,
                                    created_at=now))  # fmt: skip
    async with client_for(services) as client:
        await sign_in(client, ADMIN)
        page = (await client.get("/admin")).text
    assert "Questions les plus demandées (30 jours)" in page
    title = knowledge.faq.entries["nationality_dual"].title["fr"]
    assert f"<td>{title}</td><td>3</td>" in page
    land = page.index(knowledge.faq.entries["investment_land"].title["fr"])
    assert page.index(title) < land  # the most asked first


def test_stats_lists_the_most_asked_entries_in_a_table(tmp_path: Path) -> None:
    _chat(tmp_path, "double nationalité\npasseport\ndouble nationalité\n")
    result = run(["stats"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = lines.index("most asked entries (last 30 days):") + 1
    assert lines[header].split() == ["entry", "title", "answers"]
    assert lines[header + 1].startswith("nationality_dual") and lines[header + 1].endswith(" 2")
    assert lines[header + 2].startswith("pointer_consular_documents")
    assert "None" not in result.stdout
