"""`diaspora-bot chat`: talk to the bot in a terminal, the embedded way to try it.

Interactive on a terminal; with `--json`, or when stdin is not a terminal, it reads one message per
line and prints one JSON object per line (flushed), for scripts and tests.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path

from bot import ctrl_c
from bot.channels.render import renderer_for
from bot.conversation import Outgoing
from bot.services import Services
from handlers.vocabulary import CHANNELS, Inbound
from knowledge.addresses import AddressError, channel_of, console_address, normalise_address
from storage.outbox import arrived_since_last_turn

# The console chat's line history, in the home directory (as Python's own REPL keeps one).
HISTORY_FILE = ".diaspora-bot_history"
HISTORY_LENGTH = 1000


def add(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("chat", help="talk to the bot in this terminal")
    parser.add_argument(
        "--address",
        help="who you are: console:NAME (default console:<your login>), tel:+223..., "
        "telegram:CHAT_ID; the same address keeps its conversation across runs",
    )
    parser.add_argument("--channel", choices=CHANNELS, help="render replies as this channel would")
    parser.add_argument("--json", action="store_true", help="one JSON object per message")
    # Ctrl-C stays held on the main thread until the chat knows it reads a terminal (bot.ctrl_c).
    parser.set_defaults(run=_chat, holds_ctrl_c=True)


def _address(raw: str | None) -> str:
    if raw:
        return normalise_address(raw)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "local"
    try:
        return console_address(user)
    except AddressError:
        return console_address("local")


def _show(outgoing: list[Outgoing]) -> None:
    for out in outgoing:
        print(f"bot> {out.text}")
        for number, option in enumerate(out.options, start=1):
            print(f"      {number}. {option.label}")
    sys.stdout.flush()


async def _show_arrivals(services: Services, address: str, as_json: bool) -> None:
    """Announcements and awareness messages sent to this person since their last turn."""
    async with services.db.transaction() as session:
        arrived = await arrived_since_last_turn(session, address)
    if not arrived:
        return
    if as_json:
        record = {"arrived": [{"text": m.text, "at": m.created_at.isoformat()} for m in arrived]}
        print(json.dumps(record, ensure_ascii=False), flush=True)
        return
    print(f"({len(arrived)} new message(s) since you last wrote)")
    _show([Outgoing(m.text) for m in arrived])


async def _chat(args: argparse.Namespace) -> int:
    try:
        address = _address(args.address)
    except AddressError as exc:
        print(f"diaspora-bot chat: {exc}", file=sys.stderr)
        return 2
    channel = args.channel or channel_of(address)
    as_json = args.json or not sys.stdin.isatty()
    if as_json:
        ctrl_c.release()
    else:
        ctrl_c.hold()  # already held when started by the entry point; not when called directly
    services = await Services.start()
    render = renderer_for(channel, services.settings)
    read = _json_reader if as_json else _terminal_reader()
    try:
        await _show_arrivals(services, address, as_json)
        if not as_json:
            print("Type a message (MENU for the menu, Ctrl-D or Ctrl-C to quit).")
            _show((await services.conversation.handle(Inbound(channel, address, "menu"))).outgoing)
        # Lines are read on this thread, not in a worker: a read blocked in a worker thread
        # kept Ctrl-C from ending the program until Enter (the loop waits for its threads).
        while (text := read()) is not None:
            turn = await services.conversation.handle(Inbound(channel, address, text), render)
            if as_json:
                record = {"in": text, "replies": [o.to_json() for o in turn.outgoing]}
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                _show(turn.outgoing)
    finally:
        await services.close()
    return 0


def _json_reader() -> str | None:
    line = sys.stdin.readline()
    return line.rstrip("\r\n") if line else None


def _terminal_reader() -> Callable[[], str | None]:
    """`input()` with line editing and history (GNU readline where Python has it: arrow keys
    move in the line, up and down recall earlier messages, kept between runs). Ctrl-D and
    Ctrl-C leave at once."""
    try:
        import readline
    except ImportError:  # Windows: plain input(), no editing
        readline = None
    history = Path.home() / HISTORY_FILE
    if readline is not None:
        readline.set_history_length(HISTORY_LENGTH)
        with contextlib.suppress(OSError):
            readline.read_history_file(history)

    def read() -> str | None:
        # asyncio's runner turns Ctrl-C into "cancel the main task", which only happens once
        # input() returns (after Enter): while waiting for a line, Ctrl-C is Python's own
        # KeyboardInterrupt again, on this thread only, and only while it waits (bot.ctrl_c).
        try:
            with ctrl_c.while_waiting_for_a_line():
                text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return None
        if readline is not None and text.strip():
            with contextlib.suppress(OSError):
                history.touch()  # GNU readline appends only to a file that exists
                readline.append_history_file(1, history)
        return text

    return read
