"""Polls as data: a YAML file staff write (`knowledge/polls/*.yaml`), loaded and checked here.

A poll has an id, a title and up to five questions in French and English. A question offers 2 to 9
options (multiple choice: a button each on Telegram, a numbered line on SMS) or takes free text.
`problems` says everything wrong with a file at once, as `kb check` does for the FAQ: staff fix a
file in one pass instead of one error per run.

Pure module: the SMS layout of a question (`sms_question`) lives here so that `poll check` measures
exactly what a family on a basic phone receives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from knowledge import gsm7
from knowledge.locales import Locales
from knowledge.text import fold
from knowledge.typos import TypoCorrector
from knowledge.yamlfile import read_yaml

POLLS_DIR = Path(__file__).parent / "polls"
LANGUAGES = ("fr", "en")  # every text of a poll is given in these; others read French
_ID = re.compile(r"^[A-Za-z0-9_]{1,32}$")
MIN_OPTIONS, MAX_OPTIONS = 2, 9  # one digit answers on a basic phone's keypad
MAX_QUESTIONS = 5  # U-Report's rule of thumb: short polls are answered, long ones abandoned
# One line of a basic phone's screen, about: "3. " and a label this long still read as one line.
LABEL_MAX_CHARS = 30
DEFAULT_SMS_SEGMENTS = 2  # SMS_MAX_SEGMENTS' default
# Telegram gives a button 64 bytes of callback data; an option's value is "POLL <poll> <q> <v>".
CALLBACK_BYTES = 64
KEYWORD = "POLL"  # what an option's value starts with: the router's poll keyword


class PollError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class PollOption:
    value: str
    label: dict[str, str]  # language -> label


@dataclass(frozen=True)
class Question:
    id: str
    text: dict[str, str]
    options: tuple[PollOption, ...] = ()
    free_text: bool = False
    optional: bool = False

    def option(self, value: str) -> PollOption | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Poll:
    id: str
    title: dict[str, str]
    questions: tuple[Question, ...]
    opens: datetime | None = None
    closes: datetime | None = None

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def to_data(self) -> dict[str, Any]:
        """The JSON the database keeps (the YAML's content, times as ISO text)."""
        return {
            "id": self.id,
            "title": dict(self.title),
            "opens": self.opens.isoformat() if self.opens else None,
            "closes": self.closes.isoformat() if self.closes else None,
            "questions": [
                {
                    "id": q.id,
                    "text": dict(q.text),
                    "free_text": q.free_text,
                    "optional": q.optional,
                    "options": [{"value": o.value, **o.label} for o in q.options],
                }
                for q in self.questions
            ],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Poll:
        """Read back what `to_data` wrote (checked when it was created)."""
        return parse(data, check_sms=False)


def pick(texts: dict[str, str], lang: str) -> str:
    """A text in `lang`, else French (people in other languages read French, as broadcasts)."""
    return texts.get(lang) or texts.get("fr") or next(iter(texts.values()), "")


def option_value(poll_id: str, question_id: str, value: str) -> str:
    """What choosing an option sends through the router: a button press and the typed number
    take the same path, and a stale button still names its poll and question."""
    return f"{KEYWORD} {poll_id} {question_id} {value}"


# --- the SMS layout ---------------------------------------------------------------------------


def sms_question(
    locales: Locales,
    poll: Poll,
    question: Question,
    lang: str,
    *,
    invitation: bool = False,
    sms: bool = True,
    buttons: bool = False,
) -> str:
    """A question as an SMS: (the invitation's header,) the question, numbered options, a hint.

    The conversation's replies are laid out the same way by the SMS renderer; the invitation
    goes through the outbox as this text (in GSM-7 for SMS; on Telegram with `buttons`, the
    options are left out of the text: they are the buttons under it).
    """
    number = poll.questions.index(question) + 1
    lines = []
    if invitation:
        lines.append(locales.t(lang, "polls.invitation_header", title=pick(poll.title, lang)))
    lines.append(
        locales.t(
            lang,
            "polls.question",
            number=number,
            count=len(poll.questions),
            text=pick(question.text, lang),
        )
    )
    if not buttons:
        lines += [f"{n}. {pick(o.label, lang)}" for n, o in enumerate(question.options, 1)]
    if question.free_text:
        key = "polls.hint_free_optional" if question.optional else "polls.hint_free"
    else:
        key = "polls.hint_buttons" if buttons else "polls.hint_choice"
    lines.append(locales.t(lang, key))
    if invitation:
        lines.append(locales.t(lang, "polls.invitation_footer"))
    text = "\n".join(lines)
    return gsm7.transliterate(text) if sms else text


# --- reading a person's answer --------------------------------------------------------------


NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")  # "2", "2.", " 2) "


def match_option(question: Question, text: str) -> PollOption | None:
    """The option a person means: its number, its value or label in any language (accents and
    case ignored), or a label with a typo ("comerce"). None when nothing or several match."""
    number = NUMBER.match(text)
    if number:
        index = int(number.group(1)) - 1
        return question.options[index] if 0 <= index < len(question.options) else None
    folded = fold(text)
    if not folded:
        return None
    names = {o.value: _names(o) for o in question.options}
    exact = [o for o in question.options if folded in names[o.value]]
    if len(exact) == 1:
        return exact[0]
    corrector = TypoCorrector(
        word for folded_names in names.values() for n in folded_names for word in n.split()
    )
    corrected = " ".join(corrector.correct_all(folded.split()))
    found = [o for o in question.options if corrected in names[o.value]]
    if not found and len(corrected) >= 4:  # "information" for "Le manque d'information"
        found = [
            o
            for o in question.options
            if any(f" {corrected} " in f" {n} " for n in names[o.value])
        ]
    return found[0] if len(found) == 1 else None


def _names(option: PollOption) -> set[str]:
    return {
        fold(option.value.replace("_", " ")),
        *(fold(label) for label in option.label.values()),
    }


# --- loading and checking ---------------------------------------------------------------------


def load(
    path: Path, locales: Locales | None = None, max_segments: int = DEFAULT_SMS_SEGMENTS
) -> Poll:
    """A poll file, checked; raises PollError listing every problem."""
    try:
        data = read_yaml(path)
    except (OSError, UnicodeDecodeError) as error:
        raise PollError([f"cannot read {path}: {error}"]) from None
    except yaml.YAMLError as error:
        raise PollError([f"not valid YAML: {error}"]) from None
    if not isinstance(data, dict):
        raise PollError(["a poll file is a mapping with id, title and questions"])
    return parse(data, locales=locales, max_segments=max_segments)


def check_polls(directory: Path = POLLS_DIR) -> list[str]:
    """`kb check`'s lines for the poll files (`file: problem`), at the default SMS budget."""
    problems = []
    locales = Locales.load()
    for path in sorted(directory.glob("*.yaml")):
        try:
            load(path, locales)
        except PollError as error:
            problems += [f"{path.name}: {problem}" for problem in error.problems]
    return problems


def parse(
    data: dict[str, Any],
    *,
    locales: Locales | None = None,
    max_segments: int = DEFAULT_SMS_SEGMENTS,
    check_sms: bool = True,
) -> Poll:
    problems: list[str] = []
    poll_id = str(data.get("id", ""))
    if not _ID.match(poll_id):
        problems.append(f"id {poll_id!r}: letters, digits and _ only, 1 to 32 characters")
    title = _texts(data.get("title"), "title", problems)
    opens = _time(data.get("opens"), "opens", problems)
    closes = _time(data.get("closes"), "closes", problems)
    if opens and closes and closes <= opens:
        problems.append("closes must come after opens")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.append("questions: a list of 1 to 5 questions")
        raw_questions = []
    elif len(raw_questions) > MAX_QUESTIONS:
        problems.append(f"{len(raw_questions)} questions: at most {MAX_QUESTIONS}")
    questions = []
    for n, raw in enumerate(raw_questions, 1):
        question = _question(raw, n, poll_id, problems)
        if question is not None:
            questions.append(question)
    if questions and questions[0].free_text:
        # The invitation carries the first question: it is answered by a number or a word.
        problems.append("the first question must be multiple choice (options), not free text")
    ids = [q.id for q in questions]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"question id {duplicate!r} is used twice")
    poll = Poll(poll_id, title, tuple(questions), opens, closes)
    if check_sms and not problems:
        problems += sms_problems(poll, locales or Locales.load(), max_segments)
    if problems:
        raise PollError(problems)
    return poll


def sms_problems(poll: Poll, locales: Locales, max_segments: int) -> list[str]:
    """Each question, laid out as its SMS (the first one with the invitation around it), must be
    GSM-7 and fit the budget: one character outside GSM-7 divides a segment's room by more
    than two."""
    problems = []
    for n, question in enumerate(poll.questions):
        for lang in LANGUAGES:
            text = sms_as_sent(locales, poll, n, lang)
            info = gsm7.segments(text)
            where = f"question {question.id!r} ({lang})"
            if info.encoding != "GSM-7":
                odd = "".join(sorted({c for c in text if not gsm7.is_gsm7(c)}))
                problems.append(f"{where}: characters outside GSM-7 ({odd!r})")
            elif info.segments > max_segments:
                problems.append(
                    f"{where}: {info.segments} SMS segments with its options, "
                    f"the budget is {max_segments} (shorten the question or the labels)"
                )
    return problems


def sms_as_sent(locales: Locales, poll: Poll, index: int, lang: str) -> str:
    """The longest SMS question `index` arrives in: the first inside the invitation, the others
    after the confirmation of the previous answer (with its longest label)."""
    question = poll.questions[index]
    text = sms_question(locales, poll, question, lang, invitation=index == 0)
    if index == 0:
        return text
    return f"{_longest_confirmation(locales, poll.questions[index - 1], lang)}\n{text}"


def _longest_confirmation(locales: Locales, question: Question, lang: str) -> str:
    labels = [pick(o.label, lang) for o in question.options] or ["-"]
    longest = max(labels, key=len)
    key = "polls.noted" if question.options else "polls.noted_text"
    return gsm7.transliterate(locales.t(lang, key, answer=longest))


def _texts(raw: Any, where: str, problems: list[str], limit: int | None = None) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append(
            f"{where}: give the text in {' and '.join(LANGUAGES)} ({{fr: ..., en: ...}})"
        )
        return {}
    texts = {str(k): str(v).strip() for k, v in raw.items() if v is not None and str(v).strip()}
    for lang in LANGUAGES:
        if lang not in texts:
            problems.append(f"{where}: the {lang} text is missing")
    if limit:
        for lang, text in texts.items():
            if len(gsm7.transliterate(text)) > limit:
                problems.append(
                    f"{where} ({lang}) {text!r}: {len(text)} characters, at most {limit} "
                    "(one line of a phone's screen)"
                )
    return texts


def _time(raw: Any, where: str, problems: list[str]) -> datetime | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        parsed = raw
    else:
        try:
            parsed = datetime.fromisoformat(str(raw).strip())
        except ValueError:
            problems.append(f"{where}: {raw!r} is not a time such as 2026-12-15T20:00Z")
            return None
    # No offset: Bamako time, which is UTC all year.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _question(raw: Any, n: int, poll_id: str, problems: list[str]) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(f"question {n}: a mapping with id, text and options")
        return None
    question_id = str(raw.get("id", ""))
    where = f"question {question_id or n!r}"
    if not _ID.match(question_id):
        problems.append(f"question {n}: id {question_id!r}: letters, digits and _ only")
    text = _texts(raw.get("text"), f"{where} text", problems)
    free_text = bool(raw.get("free_text", False))
    optional = bool(raw.get("optional", False))
    raw_options = raw.get("options") or []
    options: list[PollOption] = []
    if free_text and raw_options:
        problems.append(f"{where}: free_text questions have no options")
    elif not free_text:
        if not isinstance(raw_options, list) or not MIN_OPTIONS <= len(raw_options) <= MAX_OPTIONS:
            count = len(raw_options) if isinstance(raw_options, list) else 0
            problems.append(f"{where}: {count} options, give {MIN_OPTIONS} to {MAX_OPTIONS}")
        for raw_option in raw_options if isinstance(raw_options, list) else []:
            option = _option(raw_option, where, poll_id, question_id, problems)
            if option is not None:
                options.append(option)
        values = [o.value for o in options]
        for duplicate in sorted({v for v in values if values.count(v) > 1}):
            problems.append(f"{where}: option value {duplicate!r} is used twice")
        _ambiguous_labels(options, where, problems)
    return Question(question_id, text, tuple(options), free_text, optional)


def _option(
    raw: Any, where: str, poll_id: str, question_id: str, problems: list[str]
) -> PollOption | None:
    if not isinstance(raw, dict) or "value" not in raw:
        problems.append(f"{where}: an option is {{value: ..., fr: ..., en: ...}}")
        return None
    value = str(raw["value"])
    if not _ID.match(value):
        problems.append(f"{where}: option value {value!r}: letters, digits and _ only")
    labels = {k: v for k, v in raw.items() if k != "value"}
    label = _texts(labels, f"{where} option {value!r}", problems, limit=LABEL_MAX_CHARS)
    if len(option_value(poll_id, question_id, value).encode()) > CALLBACK_BYTES:
        problems.append(
            f"{where} option {value!r}: poll id, question id and value together are too long "
            f"for a Telegram button ({CALLBACK_BYTES} bytes)"
        )
    return PollOption(value, label)


def _ambiguous_labels(options: Iterable[PollOption], where: str, problems: list[str]) -> None:
    """Two options that read the same once accents and case are gone cannot be told apart."""
    seen: dict[str, str] = {}
    for option in options:
        for name in _names(option):
            if name in seen and seen[name] != option.value:
                problems.append(
                    f"{where}: options {seen[name]!r} and {option.value!r} both read {name!r}"
                )
            seen[name] = option.value
