"""`diaspora-bot stats`: who uses the bot, on which channel, and what is queued."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from bot.cli.table import cell, table
from bot.services import Services
from storage import stats

# The SMS providers' figures, shown as one table rather than two dicts.
PROVIDER_KEYS = ("sms_by_provider", "sms_provider_health")
PROVIDER_HEADER = ("provider", "sent", "delivered", "failed", "last heard from", "health")


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("stats", help="counts of contacts, messages, registrations, outbox")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(run=_stats)


async def _stats(args: argparse.Namespace) -> int:
    services = await Services.start(answers=False)
    try:
        async with services.db.transaction() as session:
            figures = await stats.summary(session)
    finally:
        await services.close()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, sort_keys=True))
        return 0
    for key, value in figures.items():
        if key in PROVIDER_KEYS:
            continue
        if isinstance(value, dict):  # no Python `None` on screen: "-" for "none yet"
            detail = ", ".join(f"{k}: {cell(v)}" for k, v in sorted(value.items())) or "-"
            print(f"{key}: {detail}")
        else:
            print(f"{key}: {cell(value)}")
    rows = provider_rows(figures["sms_by_provider"], figures["sms_provider_health"])
    if not rows:
        print("sms providers: -")
        return 0
    print("sms providers (outbox messages; sent: taken by the provider, delivered or not yet):")
    print(table(PROVIDER_HEADER, rows))
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
