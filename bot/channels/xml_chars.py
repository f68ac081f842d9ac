"""Characters XML 1.0 does not allow, removed from everything the bot sends.

TwiML is XML, and Telegram parses our HTML as XML-like markup: one U+FFFF echoed from what a
person typed (a registration summary) makes the whole response not well-formed, and Twilio then
drops every reply in it. The render layer's funnels call `xml_safe` once per text: `sms_text`
(every SMS body) and `html_text` / `keyboard` (every Telegram text and button label).

Removed: C0 controls but tab, newline and carriage return; DEL and the C1 controls (allowed by
XML 1.0 but "discouraged", and invisible on a phone); lone surrogates; U+FFFE and U+FFFF.
"""

from __future__ import annotations

import re

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)
