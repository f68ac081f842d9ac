"""The overview's watch on costs and on the SMS phone: who hit a cost limit lately, day by day
(addresses masked), and each SMS provider's last sign of life, with a warning when silent."""

from __future__ import annotations

from datetime import timedelta

from bot.conversation import Conversation
from handlers.context import HandlerConfig
from storage import sms_health
from storage.models import utcnow
from tests.chat import Chat, FakeClock
from tests.handlers.test_limits import LIMITS


async def test_the_overview_shows_who_hit_a_cost_limit_masked_and_per_day(
    admin, agent, services, db, knowledge
) -> None:
    clock = FakeClock(utcnow() - timedelta(days=1))
    flooding = Chat(Conversation(db, knowledge, HandlerConfig(clock=clock, limits=LIMITS)),
                    "telegram:987654321", "telegram")  # fmt: skip
    await flooding.say("bonjour")
    for n in range(12):  # ten a minute are answered: the 11th gets a notice, then nothing
        await flooding.say(f"question {n}")
        clock.advance(seconds=1)
    page = (await admin.get("/admin")).text
    assert "Limites de coût atteintes (7 jours)" in page
    row = page[page.index("messages par minute") :].split("</tr>")[0]
    assert "<td>3</td>" in row  # the 11th, 12th and 13th messages of the minute
    assert "987654321" not in page and "telegram:…321 (3)" in row
    day = clock().strftime("%d/%m")
    assert f'<th scope="col">{day}</th>' in page
    assert "Personne n&#39;a atteint" not in page
    # Agents see the overview, the same figures.
    assert "telegram:…321 (3)" in (await agent.get("/admin")).text


async def test_no_limit_hit_says_so(admin) -> None:
    page = (await admin.get("/admin")).text
    assert "Personne n&#39;a atteint de limite de coût." in page


async def test_a_silent_android_phone_is_flagged_on_the_overview(admin, services) -> None:
    now = utcnow()
    async with services.db.transaction() as session:
        await sms_health.checked(session, "twilio", "pass", None, now - timedelta(minutes=2))
        await sms_health.heard(session, "android", now - timedelta(minutes=50))
        await sms_health.checked(session, "android", "unreachable", "timeout", now)
    page = (await admin.get("/admin")).text
    assert "Fournisseurs SMS" in page
    assert "android" in page and "il y a 50 min" in page and "il y a 2 min" in page
    assert 'role="alert">Le fournisseur SMS « android » est silencieux' in page
    assert "« twilio » est silencieux" not in page
    async with services.db.transaction() as session:
        await sms_health.checked(session, "android", "pass", None, utcnow())
    assert "est silencieux" not in (await admin.get("/admin")).text


async def test_a_configured_phone_never_heard_from_is_flagged(admin, services) -> None:
    services.settings.android_sms_url = "http://192.168.1.20:8080"
    services.settings.android_sms_password = "secret"
    page = (await admin.get("/admin")).text
    assert "« android » est silencieux" in page and "jamais" in page
