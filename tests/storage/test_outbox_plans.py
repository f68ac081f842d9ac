"""The dispatcher's statements read a few rows by index, whatever the size of the queue.

A statement that scans every queued or sent row costs nothing in a small test and everything in
a broadcast to 100,000 people (it made each batch slower than the last). SQLite's query plans
say which index a statement takes; these tests read them for every statement of a claim and of
the recording of its outcomes, on a fresh database (no ANALYZE statistics, as in production).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event

from storage import outbox
from storage.db import Database
from storage.models import utcnow
from storage.outbox import Outcome
from tests.outbox_rows import people, queue


async def plans_of_one_cycle(db: Database) -> dict[str, str]:
    """Claim a window of rows (20, the default), record most sent and one retried; return
    each statement's plan. The planner's choice depends on the number of ids in an IN list:
    with one id, even the bad plan looked fine."""
    seen: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT")):
            seen.append((statement, parameters[0] if executemany else parameters))

    ids = await people(db, [f"telegram:{n}" for n in range(1, 26)])
    await queue(db, ids)
    event.listen(db.sync_engine, "before_cursor_execute", capture)
    now = utcnow()
    async with db.transaction() as session:
        claimed = await outbox.claim(session, channel="telegram", worker="w", now=now, limit=20)
        await outbox.recipients(session, {c.contact_id for c in claimed})
    async with db.transaction() as session:
        *sent, retried = claimed
        outcomes = [Outcome(row.id, "sent", 1, provider_id=str(row.id)) for row in sent]
        outcomes.append(Outcome(retried.id, "queued", 1, "timeout", next_attempt_at=now))
        await outbox.record(session, outcomes, worker="w", now=now)
    event.remove(db.sync_engine, "before_cursor_execute", capture)

    plans = {}
    async with db.engine.connect() as connection:
        for statement, parameters in seen:
            raw = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans[statement] = " | ".join(row[3] for row in raw.all())
    return plans


async def test_no_statement_of_a_dispatch_cycle_reads_a_whole_table(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/plans.db")
    await db.upgrade()
    try:
        plans = await plans_of_one_cycle(db)
    finally:
        await db.dispose()

    assert len(plans) >= 4, plans  # claim, recipients, record, log of the sent message
    for statement, plan in plans.items():
        # (An INSERT into messages also lists "SCAN messages": SQLite's plan for the foreign
        # key of a message to the one it answers, which runs only when that key is set.)
        for table in ("outbox", "contacts"):
            assert f"SCAN {table}" not in plan, f"{statement}\n-> {plan}"
        # The index of every row by status: reading it means reading every sent row.
        assert "ix_outbox_due" not in plan, f"{statement}\n-> {plan}"
    claim = next(p for s, p in plans.items() if "claimed_by=" in s.replace(" ", ""))
    assert "ix_outbox_queue" in claim
    log = next(p for s, p in plans.items() if s.startswith("INSERT INTO messages"))
    assert "PRIMARY KEY" in log
