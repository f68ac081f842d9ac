"""Contact details inside free text: phone numbers and e-mail addresses, found and masked.

What people type to the bot sometimes carries them ("rappelez-moi au +33 6 12 34 56 78"). Texts
kept beyond the person's own message log (the staff's list of unanswered questions) keep them
masked, and the logs never show them (bot/logs.py uses the same patterns).
"""

from __future__ import annotations

import re

# A phone number: 7+ digits, an optional +, single spaces, dots or dashes between digits.
PHONE = re.compile(r"\+?\d(?:[\s.-]?\d){6,}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_MASK = "[tel]"
EMAIL_MASK = "[e-mail]"


def mask_contact_details(text: str) -> str:
    """'appelez le 76 12 34 56 ou awa@example.org' -> 'appelez le [tel] ou [e-mail]'."""
    return PHONE.sub(PHONE_MASK, EMAIL.sub(EMAIL_MASK, text))
