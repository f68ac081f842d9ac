"""Render the core's replies as SMS bodies: GSM-7 where we can, within a segment budget.

`max_segments` is the budget for everything sent in answer to one inbound message, summed over
all returned messages (so it also bounds each message). What does not fit goes into `rest`, which
the core stores and sends when the person texts PLUS/MORE; the last message then ends with
`more_hint`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.channels.xml_chars import xml_safe
from handlers.vocabulary import Option, Reply
from knowledge.gsm7 import cut, segments, transliterate


@dataclass(frozen=True)
class SmsRendering:
    messages: list[str]  # SMS bodies, in sending order; each may be a concatenated SMS
    rest: str  # text held back for PLUS/MORE; "" if everything was sent
    options: tuple[Option, ...]  # option n is options[n - 1]: the numbers shown to the person

    @property
    def segments(self) -> int:
        return sum(segments(m).segments for m in self.messages)


# Telegram's HTML subset and Markdown, which handlers may write for the richer channels.
_HTML_LINK = re.compile(r'<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"</?(?:b|strong|i|em|u|ins|s|strike|del|code|pre|span|tg-spoiler|blockquote|p)"
    r"(?:\s[^>]*)?>",
    re.IGNORECASE,
)
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&nbsp;": " "}
_ENTITY = re.compile("|".join(map(re.escape, _ENTITIES)))
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_STAR = re.compile(r"\*(?=\S)([^*\n]+?)(?<=\S)\*")
# Underscores only as emphasis around words, so ids like faq_nationality_dual survive.
_MD_UNDERSCORE = re.compile(r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)")
_MD_CODE = re.compile(r"`{1,3}([^`]*)`{1,3}")
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_SPACES = re.compile(r"[ ]{2,}")


def _link(label: str, url: str) -> str:
    return label if label.strip() == url.strip() else f"{label} ({url})"


def _strip_markup(text: str) -> str:
    text = _HTML_LINK.sub(lambda m: _link(m.group(2), m.group(1)), text)
    text = _HTML_BREAK.sub("\n", text)
    text = _HTML_TAG.sub("", text)
    text = _ENTITY.sub(lambda m: _ENTITIES[m.group()], text)
    text = _MD_LINK.sub(lambda m: _link(m.group(1), m.group(2)), text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_STAR.sub(r"\1", text)
    text = _MD_UNDERSCORE.sub(r"\1", text)
    text = _MD_CODE.sub(r"\1", text)
    return _MD_HEADING.sub("", text)


@lru_cache(maxsize=4096)  # the bot's own texts and labels, rendered for every reply
def sms_text(text: str) -> str:
    """Our text as it goes out by SMS: no markup, GSM-7 where possible, no wasted characters.

    Blank lines are dropped and space runs collapsed: on SMS every character is paid for.
    """
    text = xml_safe(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = transliterate(_strip_markup(text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _pack(blocks: list[str]) -> list[str]:
    """Join consecutive blocks with a newline whenever that costs no extra segment.

    Joining is not always free: two full 160-character texts are 2 single segments apart but 3
    concatenated ones together, and one emoji would turn the other block into UCS-2.
    """
    messages: list[str] = []
    for block in blocks:
        if messages:
            joined = f"{messages[-1]}\n{block}"
            separate = segments(messages[-1]).segments + segments(block).segments
            if segments(joined).segments <= separate:
                messages[-1] = joined
                continue
        messages.append(block)
    return messages


def render_sms(
    replies: Sequence[Reply],
    *,
    max_segments: int,
    more_hint: str,
    option_hint: str | None = None,
) -> SmsRendering:
    """Render replies as SMS bodies within max_segments (see the module docstring).

    Each reply uses its `sms_text` when present. Options become numbered lines "1. Label" under
    their reply's text, numbered from 1 across all replies, then `option_hint` (e.g. "Repondez
    par le numero"). If the whole does not fit, everything goes into one concatenated SMS: the
    text is cut (it continues in `rest`), the options and option hint are kept whole after it,
    and the message ends with `more_hint`. Only when the options alone cannot fit are they cut
    like text (the remaining numbered lines then arrive with PLUS, their numbers still valid).
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    more = sms_text(more_hint)
    hint = sms_text(option_hint) if option_hint else ""

    options: list[Option] = []
    bodies: list[str] = []
    option_lines: list[list[str]] = []
    for reply in replies:
        bodies.append(sms_text(reply.sms_text or reply.text))
        lines = []
        for option in reply.options:
            options.append(option)
            lines.append(f"{len(options)}. {sms_text(option.label)}")
        option_lines.append(lines)
    if hint and options:
        last = max(i for i, lines in enumerate(option_lines) if lines)
        option_lines[last] = [*option_lines[last], hint]

    blocks = [
        "\n".join(p for p in (body, *lines) if p)
        for body, lines in zip(bodies, option_lines, strict=True)
    ]
    messages = _pack([b for b in blocks if b])
    rendering = SmsRendering(messages, "", tuple(options))
    if rendering.segments <= max_segments:
        return rendering

    text = "\n".join(b for b in bodies if b)
    all_lines = "\n".join(line for lines in option_lines for line in lines)
    # A list stays with its header: the text of the reply that offers it goes with the
    # numbered lines, and only what comes before is cut (its rest follows on PLUS).
    first = next((i for i, lines in enumerate(option_lines) if lines), None)
    before = "\n".join(b for b in bodies[:first] if b) if first is not None else text
    header = "\n".join(b for b in bodies[first:] if b) if first is not None else ""
    listed = "\n".join(p for p in (header, all_lines) if p)
    # First try: cut only what comes before the list's header; then: cut all the text and keep
    # the numbered lines whole (a list whose own text is long).
    for kept_text, kept in ((before, listed), (text, all_lines)):
        if not (all_lines and kept_text):
            continue
        try:
            head, rest = cut(kept_text, max_segments, f"\n{kept}" + (f"\n{more}" if more else ""))
        except ValueError:
            continue  # the list leaves no room for text
        if kept is listed and rest and not _ends_a_sentence(kept_text, head):
            # The room left beside the list holds a fragment ("Welcom", its rest on PLUS):
            # better cut the list's own text and keep the first lines whole.
            continue
        # rest can come out empty (the cut layout lists options last): then no hint.
        tail = f"\n{more}" if rest and more else ""
        return SmsRendering([f"{head}\n{kept}{tail}"], rest, tuple(options))
    combined = "\n".join(p for p in (text, all_lines) if p)
    # The PLUS marker goes on a line of its own, never glued to the end of a data line.
    head, rest = cut(combined, max_segments, f"\n{more}" if more else "")
    head, rest = _keep_lines_whole(combined, len(head), len(text) + 1 if text else 0)
    tail = f"\n{more}" if rest and more else ""
    return SmsRendering([head + tail], rest, tuple(options))


def _ends_a_sentence(text: str, head: str) -> bool:
    """Whether `head`, the start of stripped `text`, ends at a sentence or a line's end."""
    after = text.strip()[len(head) :]
    return head.rstrip().endswith((".", "!", "?", ":", "…")) or after[:1] == "\n"


def _keep_lines_whole(combined: str, end: int, lines_start: int) -> tuple[str, str]:
    """Move a cut that fell inside an option line back to the line's start.

    "6." looks like a sentence end to `cut`; a message ending in "6. (PLUS)" helps nobody. A
    shorter head still fits the budget. Only a first line longer than a whole message is cut.
    """
    if end > lines_start and end < len(combined) and combined[end] != "\n":
        line_start = combined.rfind("\n", 0, end)
        if line_start >= lines_start - 1 and line_start > 0:
            end = line_start
    return combined[:end].rstrip(), combined[end:].strip()
