"""Plain-text tables for the command line: a header row, columns aligned, no `None`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(value: object) -> str:
    return "-" if value is None or value == "" else str(value).replace("\n", " ")


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    cells = [list(header)] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)
