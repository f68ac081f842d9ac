"""`diaspora-bot stats`: who uses the bot, on which channel, and what is queued."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, time, timedelta

from bot.cli.table import cell, table
from bot.services import Services
from knowledge.addresses import mask
from storage import stats, usage
from storage.models import utcnow

LIMIT_DAYS = 7  # cost-limit hits listed day by day: the last week, as on the overview

# The SMS providers' figures, shown as one table rather than two dicts.
PROVIDER_KEYS = ("sms_by_provider", "sms_provider_health")
PROVIDER_HEADER = ("provider", "sent", "delivered", "failed", "last heard from", "health")


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("stats", help="counts of contacts, messages, registrations, outbox")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(run=_stats)


def _title(services: Services, entry_id: str) -> str:
    entry = services.knowledge.faq.entries.get(entry_id)
    if entry is None:  # removed from the knowledge base since
        return "-"
    return entry.title.get("fr") or next(iter(entry.title.values()), "-")


async def _stats(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    now = utcnow()
    since = datetime.combine((now - timedelta(days=LIMIT_DAYS - 1)).date(), time(), now.tzinfo)
    try:
        async with services.db.transaction() as session:
            figures = await stats.summary(session)
            asked = await stats.most_asked(session, now)
            hits = await usage.recent_limit_hits(session, since)
        titles = {entry_id: _title(services, entry_id) for entry_id, _ in asked}
    finally:
        await services.close()
    figures["most_asked"] = [
        {"entry": entry_id, "title": titles[entry_id], "answers": n} for entry_id, n in asked
    ]
    figures["limit_hits_per_day"] = [
        {"limit": hit.name, "day": day.isoformat(), "messages": n}
        for hit in hits
        for day, n in sorted(hit.days.items())
    ]
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, sort_keys=True))
        return 0
    for key, value in figures.items():
        if key in PROVIDER_KEYS or key in ("most_asked", "limit_hits_per_day"):
            continue  # tables below
        if isinstance(value, dict):  # no Python `None` on screen: "-" for "none yet"
            detail = ", ".join(f"{k}: {cell(v)}" for k, v in sorted(value.items())) or "-"
            print(f"{key}: {detail}")
        else:
            print(f"{key}: {cell(value)}")
    rows = provider_rows(figures["sms_by_provider"], figures["sms_provider_health"])
    if rows:
        print("sms providers (outbox messages; sent: taken by the provider, delivered or not):")
        print(table(PROVIDER_HEADER, rows))
    else:
        print("sms providers: -")
    print(f"\nmost asked entries (last {stats.MOST_ASKED_DAYS} days):")
    if asked:
        print(table(("entry", "title", "answers"), [(e, titles[e], n) for e, n in asked]))
    else:
        print("none yet")
    print(f"\ncost limits hit (last {LIMIT_DAYS} days):")
    if hits:
        print(
            table(
                ("limit", "messages", "people", "per day", "heaviest"),
                [
                    (
                        hit.name,
                        hit.messages,
                        len(hit.people),
                        ", ".join(
                            f"{d.strftime('%m-%d')}: {n}" for d, n in sorted(hit.days.items())
                        ),
                        ", ".join(
                            f"{mask(a)} ({n})"
                            for a, n in sorted(hit.people.items(), key=lambda p: -p[1])[:3]
                        ),
                    )
                    for hit in hits
                ],
            )
        )
    else:
        print("none")
    return 0


def provider_rows(
    by_provider: dict[str, dict[str, int]], health: dict[str, dict]
) -> list[tuple[object, ...]]:
    """One row a provider: what it carried (outbox rows by status) and how it is. Rows not yet
    claimed by a provider's lane ("-") are only queued: they are in `outbox`."""
    rows = []
    for name in sorted((set(by_provider) | set(health)) - {"-"}):
        counts, seen = by_provider.get(name, {}), health.get(name, {})
        delivered = counts.get("delivered", 0)
        rows.append(
            (
                name,
                counts.get("sent", 0) + delivered,
                delivered,
                counts.get("failed", 0),
                _when(seen.get("last_heard_at")),
                _health(seen.get("status"), seen.get("detail")),
            )
        )
    return rows


def _when(iso: str | None) -> str | None:
    if not iso:
        return None
    at = datetime.fromisoformat(iso)
    at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _health(status: str | None, detail: str | None) -> str | None:
    if not status:
        return None
    return f"{status} ({detail})" if detail else status
