"""Openers that read backwards: an answer must not begin with a bare yes or no.

"Si je prends la nationalité française, est-ce que je perds la nationalité malienne ?" answered
"Oui. ..." tells the person the opposite of the law, although the rest of the answer is right: the
meaning of a yes/no depends on how the question was phrased, and a FAQ answer is shown for many
phrasings, affirmative and negated. So the first sentence states the rule itself, and `kb check`
rejects an answer, an SMS, an awareness message or a forum text that opens with one of these words.
"""

from __future__ import annotations

import re

# Words (and short phrases) whose meaning depends on the question, in every language we ship.
# Each one is rejected only when it stands alone: followed by punctuation or the end of the text
# ("Non seulement...", "No discrimination..." and "Si vous..." are sentences, not answers).
BARE_ANSWERS = (
    # French
    "oui",
    "non",
    "si",
    "ouais",
    "bien sûr",
    "bien sur",
    "absolument",
    "tout à fait",
    "tout a fait",
    "pas du tout",
    "exactement",
    "effectivement",
    "évidemment",
    "evidemment",
    "certainement",
    "jamais",
    "aucunement",
    "en effet",
    "c'est possible",
    "c'est exact",
    # English
    "yes",
    "no",
    "yeah",
    "yep",
    "nope",
    "sure",
    "of course",
    "absolutely",
    "certainly",
    "exactly",
    "indeed",
    "correct",
    "not at all",
    "never",
    "that's right",
    "it is possible",
)
_WORDS = "|".join(re.escape(w) for w in sorted(BARE_ANSWERS, key=len, reverse=True))
# The word, then punctuation (".", ",", ":", ";", "!", "?", a dash) or nothing else at all.
_OPENER = re.compile(rf"^\W*({_WORDS})\s*([.,:;!?\u2013\u2014-]|$)", re.IGNORECASE)


def bare_opener(text: str) -> str | None:
    """The yes/no word `text` opens with ("Oui"), or None when the first sentence says more."""
    match = _OPENER.match(str(text or "").strip().replace("\u2019", "'"))
    return match.group(1) if match else None


def opener_problem(text: str) -> str | None:
    """A `kb check` message for a text that opens with a bare yes/no, else None."""
    word = bare_opener(text)
    if word is None:
        return None
    return (
        f"opens with {word!r}, whose meaning depends on how the question was asked: "
        "start with the rule itself"
    )
