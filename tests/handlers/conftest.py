"""Registration tests run against forums whose edition staff have opened.

The shipped forums have no open edition (issue 12: none is announced), so these tests use the
knowledge as it is after `diaspora-bot forum open` for each forum, with the dates, places and
capacities below. What a closed forum does is tested in tests/forums/.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from knowledge.bundle import Knowledge

# An edition per forum as staff would open it (opened on 2026-11-01, before the tests' clock).
EDITIONS = {
    "fidima": (date(2027, 3, 15), date(2027, 3, 16), "Bamako", 500),
    "women_forum": (date(2027, 7, 8), date(2027, 7, 9), "Bamako", 300),
    "diaspo_istm": (date(2027, 10, 14), date(2027, 10, 15), "Bamako", 300),
}
OPENED_ON = date(2026, 11, 1)


def opened(knowledge: Knowledge) -> Knowledge:
    forums = knowledge.forums
    assert forums is not None
    for forum_id, (starts, ends, place, capacity) in EDITIONS.items():
        forum = forums.forums[forum_id].with_edition(starts, ends, place, capacity, OPENED_ON)
        forums = forums.replace_forum(forum)
    return dataclasses.replace(knowledge, forums=forums)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return opened(Knowledge.load())
