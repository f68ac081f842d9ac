"""`diaspora-bot i18n`: the translators' workflow (docs/translating.md).

diaspora-bot i18n export --lang bm --format po --output bm.po
diaspora-bot i18n import bm.po
diaspora-bot i18n status [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.settings import Settings
from knowledge.locales import LOCALES_DIR, Locales
from knowledge.translations import export_csv, export_po, import_file, status


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("i18n", help="languages: export for translators, import, status")
    actions = parser.add_subparsers(dest="action", required=True)

    export = actions.add_parser("export", help="a language's texts for translators (PO or CSV)")
    export.add_argument("--lang", required=True, help="a translated language: bm, snk")
    export.add_argument("--format", choices=("po", "csv"), default="po")
    export.add_argument("--output", type=Path, required=True, help="the file to write")
    export.add_argument("--locales", type=Path, default=LOCALES_DIR, help=argparse.SUPPRESS)
    export.set_defaults(run=_export)

    imp = actions.add_parser(
        "import", help="translations back from a PO or CSV file (refused if any entry is wrong)"
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--lang", help="the language (a PO file says it in its header)")
    imp.add_argument("--locales", type=Path, default=LOCALES_DIR, help=argparse.SUPPRESS)
    imp.set_defaults(run=_import)

    stat = actions.add_parser("status", help="per language: strings, FAQ, awareness translated")
    stat.add_argument("--json", action="store_true", help="machine-readable")
    stat.add_argument("--locales", type=Path, default=LOCALES_DIR, help=argparse.SUPPRESS)
    stat.set_defaults(run=_status)


def _locales(args: argparse.Namespace) -> Locales:
    settings = Settings()
    return Locales.load(
        args.locales, languages=settings.language_list, drafts=settings.language_drafts
    )


async def _export(args: argparse.Namespace) -> int:
    locales = _locales(args)
    if locales.is_source(args.lang):
        print(f"{args.lang} is a source language: its texts are written, not translated")
        return 1
    if args.lang not in locales.packs:
        print(f"no translated pack for {args.lang!r}: knowledge/locales/{args.lang}.yaml")
        return 1
    if args.format == "po":
        export_po(locales, args.lang).save(str(args.output))
    else:
        args.output.write_text(export_csv(locales, args.lang), encoding="utf-8")
    print(f"{args.output}: {args.lang}, {args.format}")
    return 0


async def _import(args: argparse.Namespace) -> int:
    try:
        result = import_file(args.file, language=args.lang, locales_dir=args.locales)
    except (ValueError, OSError) as exc:
        print(f"refused: {exc}")
        return 1
    if result.errors:
        for error in result.errors:
            print(error)
        print(f"refused: {len(result.errors)} entry(ies) wrong; nothing was imported")
        return 1
    print(
        f"{result.language}: {result.reviewed} reviewed, {result.drafts} draft(s), "
        f"{result.unchanged} unchanged -> {result.path}"
    )
    return 0


async def _status(args: argparse.Namespace) -> int:
    report = status(_locales(args))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print("lang  offered  strings tr/rev/total   FAQ tr/rev/total   awareness tr/rev/total")
    for lang, row in report.items():
        cells = [
            f"{row[part]['translated']}/{row[part]['reviewed']}/{row[part]['total']}"
            for part in ("strings", "faq", "awareness")
        ]
        offered = "yes" if row["offered"] else ("listed" if row["listed"] else "no")
        print(f"{lang:<5} {offered:<8} {cells[0]:<22} {cells[1]:<18} {cells[2]}")
        covered = [
            f"{area} {c['translated']}/{c['reviewed']}/{c['total']}"
            for area, c in (row.get("areas") or {}).items()
            if c["translated"]
        ]
        if covered:
            print(f"      by area, where translated: {', '.join(covered)}")
        drafts = {
            part: row[part]["translated"] - row[part]["reviewed"]
            for part in ("strings", "faq", "awareness")
        }
        if not row["source"] and any(drafts.values()):
            listed = ", ".join(f"{part} {n}" for part, n in drafts.items() if n)
            print(f"      DRAFTS, not reviewed (shown only with LANGUAGE_DRAFTS=true): {listed}")
        if row.get("core_missing"):
            print(f"      not offered until reviewed: {', '.join(row['core_missing'])}")
    return 0
