"""The `diaspora-bot` command (and `python -m bot`): what must happen before any import."""

from __future__ import annotations

from bot import ctrl_c


def main() -> int:
    ctrl_c.hold()  # before the imports that start threads (see bot.ctrl_c)
    from bot.cli import main as cli_main  # noqa: PLC0415 - after the mask, on purpose

    return cli_main()
