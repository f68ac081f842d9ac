"""Finding the FAQ entry a person's question is about, and saying how sure we are.

A wrong but confident answer about nationality law is worse than none, so a search has three
outcomes: "answer" when one entry clearly wins, "unsure" with up to three choices when some
entries fit but none clearly, "none" when nothing fits (weather, football, homework...).

Words can fit and the subject still be another: a question about a place the entry does not
speak of ("population of senegal" against Mali's population, "malian population in europe"
against Mali's figures when the Malians in Europe entry is close behind) or about what it sets
aside ("besides the investment code") gets "did you mean", never a confident answer
(FaqIndex._elsewhere, FaqIndex._set_aside). These rules read what the question names, not
lists of questions: countries come from the bot's one country table (knowledge/countries.py),
and where the asker lives ("apres 20 ans en france") is the question's setting, not its subject.
Some questions ask what no entry can say, whatever words they share with one (FaqIndex._not_said,
session 6): who holds an office today, today's rate or price, a year past the FAQ's sources, a
person to talk with (answered by the bot's entries and the pointers, not an office's), who
will win an election. And some name a thing no entry knows while sharing with the bot's entries
or a pointer only what they ask of it (a phone, an address, a price) or a company's name:
"phone number of the bamako hospital" is about the hospital (FaqIndex._beside, faqscope7).
Figures: docs/benchmarks.md, issue 13, sessions 5 and 6.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from knowledge.countries import countries
from knowledge.faq_entries import FAQ_DIR, LANGUAGES, Entry, Topic, load_faq, load_off_topic
from knowledge.language import detect_language, vocabulary_of
from knowledge.lexical import LexicalIndex
from knowledge.lexical import stem as lexical_stem
from knowledge.normalise import apply_synonyms, content_tokens, lexicon, normalise, spelled_tokens
from knowledge.semantic import SemanticScorer
from knowledge.text import fold
from knowledge.typos import TypoCorrector

__all__ = ["Entry", "FaqIndex", "Match", "Topic", "detect_language", "normalise"]

# The topics whose entries put a person in touch with someone: the bot itself (its advisors) and
# the pointers (where the embassy, the consulate, a company are). A request to talk with a person
# is answered by them, not by what an office does (see FaqIndex._not_said).
IN_TOUCH_TOPICS = frozenset({"bot", "pointers"})

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Thresholds:
    """Where on the 0-100 score each outcome starts (tuned: see docs/benchmarks.md, "FAQ")."""

    answer: float  # at or above, with a clear lead: answer
    lead: float  # points the best entry must lead the runner-up by to be answered outright
    unsure: float  # at or above: "did you mean" with the candidates above this
    # Issue 13: at or above `leads`, a best entry `clear` points ahead of the next is answered
    # too, with the next ones offered in the same reply (`Match.suggestions`), where it was a
    # "did you mean" that cost an SMS user a paid round trip.
    leads: float = 101.0
    clear: float = 100.0
    # Where words and meaning each rank the same entry first (two signals that fail
    # differently), a `clear` lead is answered from this score on, the next ones offered too.
    agreed: float = 101.0


# A clear lead is answered only where meaning agrees (words alone: 3 points more confident-wrong
# answers and 3-4 points less rejection on both sets; docs/benchmarks.md, issue 13).
WORDS_ONLY = Thresholds(answer=52.0, lead=8.0, unsure=33.0)
WITH_MEANING = Thresholds(answer=49.0, lead=8.0, unsure=33.0, leads=48.0, clear=4.0, agreed=40.0)
# Share of the score from sentence embeddings once they are ready (the rest: words).
SEMANTIC_SHARE = 0.35
# Meaning score (0-100, cosine ~0.54) from which a question is close to an off-topic subject
# (off_topic.yaml); below, the subject says nothing about it. See FaqIndex._decide.
OFF_TOPIC_FROM = 40.0
# Word answers from this score are given without consulting meaning (they cost milliseconds);
# below, they are checked against the off-topic subjects once meaning is ready.
WORDS_SURE = 65.0
# Word score below which embeddings are not consulted: only "did you mean" results are re-scored
# (see FaqIndex._search).
MEANING_FROM = 33.0
MAX_SUGGESTIONS = 3
# Weight of question coverage against variant coverage in the word-overlap score.
COVERAGE_BALANCE = 0.65
# Share of the final score from rapidfuzz's string similarity (the rest is word overlap).
FUZZY_SHARE = 0.3
# Entries re-scored with rapidfuzz: the best by word overlap; the rest cannot win.
RERANK = 12
# Words read from one question: a pasted essay is still one question.
MAX_WORDS = 150
# Past this many content words, a message is also scored sentence by sentence (and by pairs of
# sentences), at most MAX_PASSAGES of them: see FaqIndex._passages.
LONG_QUESTION = 8
MAX_PASSAGES = 4
_SENTENCES = re.compile(r"[.!?;\n]+|,\s")
# Share of an entry's texts (variants, keywords, title) naming Mali from which the entry is about
# Mali's own things (its population, its laws, its land, its nationality code): a question that
# names another country instead, and not Mali, is not answered with it (see FaqIndex._elsewhere).
# Swept 0.2-0.6 on faq_eval, faq_heldout and faq_dev4 together: 0.2-0.3 turn away the most
# questions about other countries and no right answer (docs/benchmarks.md, session 5).
MALI_BOUND = 0.25
# Where the person asking lives or comes from is the setting of a question, not its subject:
# "apres 20 ans en france je veux rentrer", "i live in london and want to register a business"
# (but "how many people live in nigeria" asks about Nigeria).
_RESIDENCE = re.compile(
    r"\b(?:je vis|j habite|je reside|je suis installe|nous vivons|nous habitons|i live|we live|"
    r"i m living|i am living|i reside|i am based|i m based|ans|annees|years|depuis|since|from)"
    r"((?:\s+(?:en|au|aux|a|in|the|la|le|l|dans))*\s+\w+(?:\s+\w+){0,2})"
)
# Being somewhere, said with a place word after it ("je suis au canada, comment refaire mon
# passeport", "i m in the us", "here in the uk"), is the setting as well; without one, "je suis"
# and "i am" say who someone is, not where.
_PRESENCE = re.compile(
    r"\b(?:je suis|nous sommes|on est|moi|i m|i am|im|we are|we re|here|ici)"
    r"((?:\s+(?:en|au|aux|a|in|dans|the|la|le|l))*\s+(?:en|au|aux|a|in|dans)\s+"
    r"(?:(?:the|la|le|l)\s+)?\w+(?:\s+\w+)?)"
)
# The nationality someone takes or holds is their setting too, not the question's subject: "si
# je prends la nationalite ivoirienne je perds la mienne", "if I get British citizenship", "si je
# deviens americain" ask about Mali's nationality law (but "le senegal accepte la double
# nationalite" asks about Senegal's).
_NATIONALITY_TAKEN = re.compile(
    r"\b(?:nationalite|nationalites|citoyennete|passeport|passport)\s+(\w+)"
    r"|\b(\w+)\s+(?:citizenship|citizen|nationality|passport)\b"
    r"|\b(?:deviens|devenir|devient|deviennent|devenu|devenue|become|becomes|becoming|became|"
    r"naturalise|naturalised|naturalized|naturalize)\s+(?:(?:a|an)\s+)?(\w+)"
)
# Regions people name as they name countries ("malian population in europe").
_REGIONS = {
    "europe": "Europe",
    "afrique": "Africa",
    "africa": "Africa",
    "asie": "Asia",
    "asia": "Asia",
    "amerique": "America",
    "america": "America",
    "maghreb": "Maghreb",
}
_REGION = re.compile(r"\b(?:" + "|".join(_REGIONS) + r")\b")
# How far behind the best entry a candidate that speaks of the place asked about may be for the
# best not to be answered outright (see FaqIndex._elsewhere).
# Swept 0-25 on faq_eval, faq_heldout and faq_dev4 together: 15-25 remove one confident wrong
# answer and no right one (docs/benchmarks.md, session 5).
PLACE_GAP = 20.0
# What follows these is what the question is *not* about: "which laws apply besides the
# investment code", "quels forums a part le fidima". See FaqIndex._excluded.
_EXCLUDING = re.compile(
    r"\b(?:besides|beside|other than|apart from|aside from|except|excluding|a part|hormis|sauf|"
    r"en dehors d[eu]s?|autres? que|en plus d[eu]s?)\s+((?:\w+\s*){1,4})"
)
# Share of an entry's title (idf weight) that what follows "besides" must hold to set it aside
# (FIDIMA's title is "FIDIMA: investors' forum"; "a part le fidima" holds most of it). Chosen,
# not swept: one question of the sets (faq_heldout) sets an entry aside.
SET_ASIDE = 0.5
_MALI = re.compile(r"\bmali(?:en|enne|ens|ennes|an|ans)?\b")
# "Who is the (current) minister / president / ambassador": a question for the name of whoever
# holds an office today. No entry names one (they say what an office does), and the holder
# changes, so no entry answers it with confidence (see FaqIndex._decide).
_OFFICE_HOLDER = re.compile(
    r"\b(?:qui est|c est qui|qui sont|who is|who s|whos|who are|nom du|nom de la|name of the)\s+"
    r"(?:(?:l|le|la|les|the|notre|our|votre|your)\s+)?"
    r"(?:(?:actuel|actuelle|current|present|nouveau|nouvelle|new)\s+)?"
    r"(?:premier ministre|prime minister|ministre|minister|president|presidente|ambassadeur|"
    r"ambassadrice|ambassador|consul|maire|mayor|gouverneur|governor|directeur|directrice|"
    r"director)"
)
# Who will win, who will be elected: a prediction. The elections pointer says when elections are
# and where to register, not who wins them, so no entry answers it with confidence (see
# FaqIndex._not_said).
_PREDICTION = re.compile(
    r"\b(?:qui va|qui vont|qui gagnera|qui sera|qui seront|who will|who ll|who is going to|"
    r"who s going to|who are going to)\s+(?:(?:etre|be)\s+)?"
    r"(?:gagner|win|elu|elue|elected|le prochain|la prochaine|the next|remporter)"
    r"|\b(?:gagnera|remportera|will win)\s+(?:les|la|le|l|the)\s+"
    r"(?:elections?|presidentielle|legislatives|scrutin|vote|presidential)"
)
# A request to talk with a person ("can someone from the ministry answer me here", "i want to
# speak to an agent"): whatever office it names, what is asked is the bot's hand-off to an
# advisor or where to reach people (IN_TOUCH_TOPICS), so an entry describing an office is no
# confident answer to it (see FaqIndex._not_said). Both a person and a way of talking must be
# named, and no subject of the talk (_TALK_ABOUT).
_A_PERSON = re.compile(
    r"\b(?:someone|somebody|anyone|anybody|a person|a human|a real person|an advisor|an adviser|"
    r"an agent|quelqu un|une personne|un humain|une vraie personne|un conseiller|une conseillere|"
    r"un agent)\b"
)
_TALK_WITH = re.compile(
    r"\b(?:talk|speak|chat|reply to me|answer me|respond to me|call me|get back to me|"
    r"put me through|connect me|put me in touch|parler|discuter|me repondre|me rappeler|m appeler|"
    r"m ecrire|me joindre|me mettre en contact|mettez moi en contact|me passer|passez moi)\b"
)
# A value that changes by the day, asked for today: "taux de change euro cfa aujourd hui", "gold
# price this week". No entry holds one (the cost of a transfer says what to compare, not today's
# rate), so none answers it with confidence (see FaqIndex._not_said). A cost is not a value of
# the day: "combien coute un envoi aujourd hui" asks what sending costs, which an entry says. Nor
# is "cours" (also lessons: "donner des cours au mali cette semaine").
_NOW = (
    r"aujourd hui|aujourdhui|ojd|auj|en ce moment|actuellement|ce matin|cette semaine|du jour|"
    r"today|todays|right now|currently|this week|this morning"
)
_LIVE_VALUE = re.compile(
    r"\b(?:taux|prix|vaut|rate|rates|price|prices|worth)\b(?=.*\b(?:" + _NOW + r")\b)"
    r"|\b(?:" + _NOW + r")\b(?=.*\b(?:taux|prix|vaut|rate|rates|price|prices|worth)\b)"
)
# What the talk is about, said: "speak to someone about sending money cheaply", "parler a
# quelqu un de l apej pour un emploi" ask about that subject, and the words decide.
_TALK_ABOUT = re.compile(
    r"\b(?:about|regarding|concerning|au sujet d|a propos d|concernant|"
    r"pour (?:un|une|mon|ma|mes|le|la|les|l|des|du)|sur (?:le|la|les|l|mon|ma|mes|des|du))\b"
)
# How to acquire a nationality, with no word of Mali's or of keeping, losing or holding two:
# "comment obtenir la nationalite canadienne", "how to apply for US citizenship" ask about
# another country's naturalisation, which no entry describes (the nationality entries say what
# Mali's law keeps or allows).
_ACQUIRE_NATIONALITY = re.compile(
    r"\b(?:obtenir|avoir|acquerir|demander|prendre|get|getting|obtain|acquire|apply for|"
    r"applying for)\s+(?:(?:la|une|the|a|my|ma)\s+)?(?:\w+\s+)?"
    r"(?:nationalite|citoyennete|naturalisation|citizenship|nationality|naturalization)\b"
)
_KEEP_OR_MALI = re.compile(
    r"\b(?:mali\w*|perdre|perds|perd|perdu|garder|garde|conserver|rester|reste|retirer|double|"
    r"deux|binational\w*|lose|losing|lost|keep|keeping|still|stop being|dual|both|two)\b"
)
# Years a question names (not where the asker has lived "since 2008": see _RESIDENCE). A year
# later than every year the FAQ names asks for what its sources (up to 2016) cannot say ("combien
# de morts en 2031"), whatever words it shares with an entry. Earlier years are often the asker's
# own story ("parti en 2005") and are left to the words.
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# Words that ask for something *of* a subject (its phone, its address, its price) without naming
# it: "phone number of the bamako hospital", "combien coute une moto". The contacts pointer and
# the bot's data entry are about such words, so a question sharing only them with a bot entry or a
# pointer, and naming a thing the FAQ does not know, asks the hospital's phone or the motorbike's
# price, not the embassy's or the bot's (see FaqIndex._beside).
_ASKED_OF = (
    "phone telephone tel portable number numero num address adresse contact email mail "
    "joindre price prices prix cost costs cout coute coutent couter combien much"
)
# Mali's towns (the regional capitals and the towns the diaspora comes from most). A figure for
# the whole country (its population, its diaspora) is not one town's: "how many people live in
# kayes" is not answered with Mali's figures unless the entry names that town (see
# FaqIndex._elsewhere). Only the entries that give figures (FIGURES_TOPICS): a town is where an
# investment, a return or a registration happens, not another subject.
_MALI_TOWNS = re.compile(
    r"\b(?:bamako|kayes|koulikoro|sikasso|segou|mopti|tombouctou|timbuktu|gao|kidal|taoudeni|"
    r"menaka|kati|kita|nioro|koutiala|bougouni|djenne|diema|yelimane|bafoulabe|kenieba)\b"
)
FIGURES_TOPICS = frozenset({"figures"})
# Stems below this idf (Mali, malien: in nearly every entry) carry no subject.
GENERIC_IDF = 1.0


@dataclass(frozen=True)
class Match:
    outcome: str  # "answer" | "unsure" | "none"
    entry: Entry | None  # best entry when outcome == "answer"
    score: float  # 0-100, of the best candidate
    lang: str  # "fr" | "en": language to answer in
    # Up to 3 when "unsure"; with an "answer", the next candidates offered beside it.
    suggestions: tuple[tuple[Entry, float], ...] = ()


class FaqIndex:
    def __init__(
        self,
        topics: list[Topic],
        entries: dict[str, Entry],
        semantic: bool = False,
        cache_dir: Path | None = None,
        off_topic: list[str] | tuple[str, ...] = (),
    ) -> None:
        self.topics = topics
        self.entries = entries
        self._order: list[Entry] = list(entries.values())
        docs: list[tuple[int, list[str]]] = []
        texts: list[str] = []
        vocabulary: set[str] = set(lexicon().synonym_words)
        raw_texts: list[str] = []
        owners: list[int] = []
        for i, entry in enumerate(self._order):
            for text in _entry_texts(entry):
                raw_texts.append(text)
                owners.append(i)
                spelled = spelled_tokens(text)
                vocabulary.update(spelled)
                tokens = content_tokens(" ".join(apply_synonyms(spelled)))
                if tokens:
                    docs.append((i, tokens))
                    texts.append(" ".join(tokens))
        self._lexical = LexicalIndex(docs, len(self._order))
        self._language_words = vocabulary_of(
            {
                lang: [t for e in self._order for t in (*_entry_texts(e, (lang,)), e.answer[lang])]
                for lang in LANGUAGES
            }
        )
        self._typos = TypoCorrector(vocabulary)
        # Off-topic phrasings are embedded as one more "entry" after the real ones, never
        # answered: see _search.
        self._off_topic = bool(off_topic)
        self._semantic = (
            SemanticScorer(
                [*raw_texts, *off_topic],
                [*owners, *[len(self._order)] * len(off_topic)],
                len(self._order) + self._off_topic,
                vocabulary=[t for e in self._order for t in (*e.answer.values(), *e.sms.values())],
                cache_dir=cache_dir,
            )
            if semantic
            else None
        )
        if self._semantic is not None:
            self._semantic.start(background=True)
        self._doc_texts = texts
        # Per entry: the countries its texts and answers name, and whether it is about Mali's
        # own things (see _elsewhere).
        self._entry_places: list[frozenset[str]] = []
        self._answer_places: list[frozenset[str]] = []
        self._mali_bound: list[bool] = []
        self._entry_towns: list[frozenset[str]] = [
            frozenset(
                town
                for t in (*_entry_texts(entry), *entry.answer.values())
                for town in _MALI_TOWNS.findall(fold(t))
            )
            for entry in self._order
        ]
        # The latest year the FAQ's texts and answers name (see _YEAR).
        self._last_year = max(
            (
                int(y)
                for entry in self._order
                for t in (*_entry_texts(entry), *entry.answer.values())
                for y in _YEAR.findall(t)
            ),
            default=0,
        )
        for entry in self._order:
            own = _entry_texts(entry)
            named = [_places_in(fold(t)) for t in (*own, *entry.answer.values())]
            self._entry_places.append(frozenset().union(*named))
            self._answer_places.append(frozenset().union(*named[len(own) :]))
            on_mali = sum(1 for t in own if _names_mali(t))
            self._mali_bound.append(bool(own) and on_mali >= MALI_BOUND * len(own))
        # Per entry, the stems of its titles: what a question excludes when it names them.
        self._title_stems: list[list[frozenset[str]]] = [
            [
                frozenset(lexical_stem(t) for t in self._tokens(title))
                for title in entry.title.values()
                if title
            ]
            for entry in self._order
        ]
        self._entry_docs: list[list[int]] = [[] for _ in self._order]
        for d, (i, _) in enumerate(docs):
            self._entry_docs[i].append(d)
        # Per entry, every stem of its texts; per pointer, the stems of the names its keywords
        # write with a capital (Western Union, Orange Money, MoneyGram): what it points to, not
        # what it says of it (see _beside).
        self._entry_stems: list[frozenset[str]] = [
            frozenset().union(*(self._lexical.docs[d].stems for d in ds))
            for ds in self._entry_docs
        ]
        self._name_stems: list[frozenset[str]] = [
            frozenset(
                lexical_stem(t)
                for lang in LANGUAGES
                for keyword in entry.keywords.get(lang, ())
                for word in keyword.split()
                if word[:1].isupper() and not word.isupper()
                for t in self._tokens(word)
            )
            if entry.topic == "pointers"
            else frozenset()
            for entry in self._order
        ]
        self._asked_of = frozenset(lexical_stem(t) for t in self._tokens(_ASKED_OF))

    def word_rarity(self, token: str) -> float:
        """How specific a folded word is to a few entries: the idf of its stem among the FAQ's
        entries (0 for a word the FAQ does not use). "fidima" is rare, "mali" is not."""
        tokens = content_tokens(" ".join(apply_synonyms([token])))
        return max((self._lexical.idf.get(lexical_stem(t), 0.0) for t in tokens), default=0.0)

    @property
    def known_words(self) -> frozenset[str]:
        """Every folded word of the FAQ's questions, keywords and titles, and of the synonyms."""
        return self._typos.known

    def detect_language(self, text: str, fallback: str) -> str:
        """ "fr" or "en" for `text`, helped by the words only one language of the FAQ uses."""
        return detect_language(text, fallback, self._language_words)

    @classmethod
    def load(
        cls, directory: Path | None = None, semantic: bool = False, cache_dir: Path | None = None
    ) -> FaqIndex:
        """The index of every FAQ file in `directory` (default: the package's knowledge/faq).

        With `semantic`, sentence embeddings are built in the background and, once ready,
        re-score the questions words leave in doubt (see semantic.py): 2-3 points of top-1
        accuracy on both question sets, ~2 ms of CPU per question re-scored (a quarter of
        them; p99 stays under 5 ms) and ~3 s of CPU at start. The bot turns it on (setting
        FAQ_SEMANTIC); off here by default so tests and scripts do not pay for it unasked.
        Figures: docs/benchmarks.md, "FAQ".
        """
        topics, entries = load_faq(directory)
        # The off-topic subjects go with the shipped FAQ (another FAQ has other neighbours).
        shipped = directory is None or Path(directory).resolve() == FAQ_DIR.resolve()
        off_topic = load_off_topic() if semantic and shipped else []
        return cls(topics, entries, semantic=semantic, cache_dir=cache_dir, off_topic=off_topic)

    def wait_until_ready(self, timeout: float | None = None) -> bool:
        """Block until the sentence embeddings are usable; False if they never will be."""
        return self._semantic is not None and self._semantic.wait(timeout)

    def search(self, question: str, lang_hint: str | None = None) -> Match:
        """The entry `question` asks about, or choices, or nothing. Never raises."""
        fallback = lang_hint if lang_hint in LANGUAGES else "fr"
        try:
            lang = self.detect_language(question, fallback)
            return self._search(question, lang)
        except Exception:  # a bad input must cost an "I don't know", never the conversation
            logger.exception("FAQ search failed")
            return Match("none", None, 0.0, fallback)

    def _tokens(self, text: str) -> list[str]:
        spelled = self._typos.correct_all(spelled_tokens(text)[:MAX_WORDS])
        return content_tokens(" ".join(apply_synonyms(spelled)))

    def _passages(self, question: str, tokens: list[str]) -> list[list[str]]:
        """The sentences of a long message, alone and in pairs: where its question is.

        "I live in Madrid since 2008 with my family... Is there any office that helps people
        who come back?" is about return, but scored whole, its context words drown the question.
        """
        if len(tokens) <= LONG_QUESTION:
            return []
        parts = [p for p in (self._tokens(s) for s in _SENTENCES.split(question)) if p]
        passages: list[list[str]] = []
        for i, part in enumerate(parts):
            passages.append(part)
            if i:
                passages.append(parts[i - 1] + part)
        passages = [p for p in passages if 2 <= len(p) < len(tokens)]
        # The last ones: people put their question at the end of the story.
        return passages[-MAX_PASSAGES:]

    def _asked(self, question: str, tokens: list[str] = ()) -> Asked:
        """The countries and regions other than Mali a question asks about (not where the asker
        lives), whether it names Mali, and what it says it is not about: "code des
        investissements du senegal" -> {"SN"}; "apres 20 ans en france je veux rentrer" -> {}."""
        folded = fold(" ".join(question.split()[:MAX_WORDS]))  # what the words read, no more
        named = _places_in(folded)
        settings = " , ".join(
            [m.group(1) for m in _RESIDENCE.finditer(folded)]
            + [m.group(1) for m in _PRESENCE.finditer(folded)]
            + [g for m in _NATIONALITY_TAKEN.finditer(folded) for g in m.groups() if g]
        )
        if named:
            named -= _places_in(settings)
        years = frozenset(_YEAR.findall(folded)) - frozenset(_YEAR.findall(settings))
        return Asked(
            named,
            _MALI.search(folded) is not None,
            self._excluded(folded),
            office_holder=_OFFICE_HOLDER.search(folded) is not None
            or _PREDICTION.search(folded) is not None,
            live_value=_LIVE_VALUE.search(folded) is not None,
            other_nationality=_ACQUIRE_NATIONALITY.search(folded) is not None
            and _KEEP_OR_MALI.search(folded) is None,
            to_a_person=_A_PERSON.search(folded) is not None
            and _TALK_WITH.search(folded) is not None
            and _TALK_ABOUT.search(folded) is None,
            years=years,
            towns=frozenset(_MALI_TOWNS.findall(folded))
            - frozenset(_MALI_TOWNS.findall(settings)),
            stems=frozenset(lexical_stem(t) for t in tokens),
            unknown=any(
                lexical_stem(t) not in self._lexical.idf and not t.isdigit() for t in tokens
            ),
        )

    def _not_said(self, entry: int, asked: Asked) -> bool:
        """Whether the question asks what `entry` cannot say, whatever words they share: who
        holds an office today (no entry names a minister) or will win an election (the elections
        pointer says when and how to register, not who wins); today's value of something (a rate,
        a price), how to acquire another country's nationality, a year later than all the FAQ
        knows, or a talk with a person, unless the entry
        is the bot's or a pointer's (IN_TOUCH_TOPICS: the bot speaks of the present, its
        registrations and advisors; a pointer sends to whoever knows today's fee, the embassy,
        the next election), not an office's or a figure's description."""
        if asked.office_holder:
            return True
        if self._order[entry].topic in IN_TOUCH_TOPICS:
            return False
        if asked.live_value or asked.to_a_person or asked.other_nationality:
            return True
        return any(int(year) > self._last_year for year in asked.years)

    def _beside(self, entry: int, asked: Asked) -> bool:
        """Whether a question naming something the FAQ does not know (a word no entry uses)
        shares with `entry`, the bot's or a pointer's, only what it asks *of* a subject or only
        the name of what the pointer points to, so that its own subject is that unknown thing:
        "phone number of the bamako hospital" (not the bot's data, not the embassy's phone),
        "combien coute une moto" (not a visa's cost), "stock price of orange", "western union
        ouvert le dimanche" (not a company's fees). A question that shares a word of the entry's
        own subject ("numero de l ambassade a washington", "frais western union") is the
        words' to decide."""
        if not asked.unknown or self._order[entry].topic not in IN_TOUCH_TOPICS:
            return False
        idf = self._lexical.idf
        shared = {s for s in asked.stems & self._entry_stems[entry] if idf[s] >= GENERIC_IDF}
        if not shared:
            return False
        return shared <= self._asked_of or shared <= self._name_stems[entry]

    def _elsewhere(self, entry: int, places: Asked, others: list[int]) -> bool:
        """Whether the question asks about a place `entry` does not speak of, so that it is not
        that entry (a "did you mean" at most):

        - a town of Mali the entry does not name, where the entry gives figures and the question
          does not name Mali or Malians: "how many people live in kayes" is not Mali's population;

        - another country in Mali's place, where the entry is about Mali's own things and the
          question does not name Mali: "population of senegal" is not Mali's population, "la
          guinee accepte la double nationalite ?" not Mali's nationality code. Entries about the
          countries people live in (visas, the route, smugglers) take any country; one about
          Mali's own things only those it names itself ("combien de senegalais vivent en
          france": Malians in Europe name France, not Senegal);
        - a place the entry never names and one of the `others` (the candidates close behind)
          speaks of in its answer: "malian population in europe" shares its words with Mali's
          figures, but Europe is what the Malians in Europe entry's answer is about. (Places
          named only in another entry's question variants do not count: "partir en libye" is
          about the route whoever's variant says "libye".)
        """
        if (
            self._order[entry].topic in FIGURES_TOPICS
            and not places.with_mali
            and places.towns - self._entry_towns[entry]
        ):
            return True
        missing = places.named - self._entry_places[entry]
        if not missing:
            return False
        if self._mali_bound[entry] and not places.with_mali:
            return True
        return any(missing & self._answer_places[i] for i in others)

    def _set_aside(self, entry: int, asked: Asked) -> bool:
        """Whether the question says it is not about `entry`: what follows "besides", "a part",
        "other than"... holds most of the weight of the entry's title ("besides the investment
        code" sets the Investment Code aside; "a part le fidima" sets FIDIMA aside)."""
        if not asked.excluded:
            return False
        idf = self._lexical.idf
        for title in self._title_stems[entry]:
            weight = sum(idf.get(s, 0.0) for s in title)
            aside = sum(idf.get(s, 0.0) for s in title & asked.excluded)
            if weight > 0 and aside >= SET_ASIDE * weight:
                return True
        return False

    def _excluded(self, folded: str) -> frozenset[str]:
        """The stems of what the question says it is not about ("besides the investment code"):
        an entry whose title they cover is not its answer ("did you mean" at most)."""
        if _EXCLUDING.search(folded) is None:
            return frozenset()
        aside = " . ".join(m.group(1) for m in _EXCLUDING.finditer(folded))
        return frozenset(lexical_stem(t) for t in self._tokens(aside))

    def _search(self, question: str, lang: str) -> Match:
        tokens = self._tokens(question)
        if not tokens or not self._order:
            return Match("none", None, 0.0, lang)
        places = self._asked(question, tokens)
        words = self.word_scores(tokens)
        for passage in self._passages(question, tokens):
            words = np.maximum(words, self.word_scores(passage))
        match = self._decide(words, tokens, lang, WORDS_ONLY, leads=False, places=places)
        # Sentence embeddings only where words leave a doubt (they cost milliseconds), and only
        # where words found something: with no word in common, meaning alone cannot reach an
        # answer, and a "did you mean" built on it alone would be noise. A words answer short
        # of WORDS_SURE is checked against the off-topic subjects ("euro to cfa exchange rate
        # today" shares words with the cost of sending money).
        ready = self._semantic is not None and self._semantic.ready
        if match.outcome == "answer" and (not ready or match.score >= WORDS_SURE):
            return match
        if not ready or match.score < MEANING_FROM:
            return self._decide(words, tokens, lang, WORDS_ONLY, places=places)
        assert self._semantic is not None
        meaning = self._semantic.scores(question)
        off_topic = float(meaning[-1]) if self._off_topic else 0.0
        if off_topic < OFF_TOPIC_FROM:
            off_topic = 0.0
        meaning = meaning[: len(self._order)]
        words_best = int(np.argmax(words))
        # A question closer to an off-topic subject than to the words' best entry is not
        # answered with any entry ("did you mean" at most).
        turned_away = off_topic > float(meaning[words_best])
        if match.outcome == "answer":
            if not turned_away:
                return match
            match = self._decide(
                words, tokens, lang, WORDS_ONLY, leads=False, vetoed=True, places=places
            )
        # A lead that is only clear (answered with the next ones offered) is judged on the
        # final scores.
        mixed = (1.0 - SEMANTIC_SHARE) * words + SEMANTIC_SHARE * meaning
        agreed = words_best if words_best == int(np.argmax(meaning)) else None
        decided = self._decide(
            mixed,
            tokens,
            lang,
            WITH_MEANING,
            agreed=agreed,
            vetoed=turned_away or off_topic > float(meaning[int(np.argmax(mixed))]),
            places=places,
        )
        return _keep_candidates(decided, match)

    def _decide(
        self,
        scores: np.ndarray,
        tokens: list[str],
        lang: str,
        limits: Thresholds,
        leads: bool = True,
        agreed: int | None = None,
        vetoed: bool = False,
        places: Asked | None = None,
    ) -> Match:
        """The outcome for `scores` under `limits`; `vetoed`: the question is closer to an
        off-topic subject than to the best entry (off_topic.yaml), so no answer; `places`: the
        countries and regions it asks about (see _elsewhere)."""
        ranked = np.argsort(-scores)[:RERANK]
        ranked = [int(i) for i in ranked if scores[i] > 0]
        if not ranked:
            return Match("none", None, 0.0, lang)
        best = ranked[0]
        best_score = float(scores[best])
        runner_up = float(scores[ranked[1]]) if len(ranked) > 1 else 0.0
        if places is not None and not vetoed:
            close = [i for i in ranked[1:] if scores[i] >= best_score - PLACE_GAP]
            vetoed = (
                self._elsewhere(best, places, close)
                or self._set_aside(best, places)
                or self._not_said(best, places)
                or self._beside(best, places)
            )
        if (
            not vetoed
            and best_score >= limits.answer
            and best_score - runner_up >= limits.lead
            and self._lexical.anchored(tokens, best)
        ):
            return Match("answer", self._order[best], round(best_score, 1), lang)
        floor = limits.agreed if agreed == best else limits.leads
        if (
            leads
            and not vetoed
            and best_score >= min(floor, limits.leads)
            and best_score - runner_up >= limits.clear
            and self._lexical.anchored(tokens, best)
        ):
            others = tuple(
                (self._order[i], round(float(scores[i]), 1))
                for i in ranked[1:MAX_SUGGESTIONS]
                if scores[i] >= limits.unsure
            )
            return Match("answer", self._order[best], round(best_score, 1), lang, others)
        if best_score >= limits.unsure:
            suggestions = tuple(
                (self._order[i], round(float(scores[i]), 1))
                for i in ranked[:MAX_SUGGESTIONS]
                if scores[i] >= limits.unsure
            )
            return Match("unsure", None, round(best_score, 1), lang, suggestions)
        return Match("none", None, round(best_score, 1), lang)

    def word_scores(self, tokens: list[str]) -> np.ndarray:
        """0-100 per entry (in load order): word overlap, re-scored with string similarity."""
        lexical = self._lexical.score_entries(tokens, COVERAGE_BALANCE)
        if FUZZY_SHARE <= 0:
            return lexical * self._lexical.evidence(tokens)
        scores = lexical * (1.0 - FUZZY_SHARE)
        query = " ".join(tokens)
        for i in np.argsort(-lexical)[:RERANK]:
            if lexical[i] <= 0:
                break
            similarity = max(
                fuzz.token_sort_ratio(query, self._doc_texts[d]) for d in self._entry_docs[i]
            )
            scores[i] += FUZZY_SHARE * similarity
        return scores * self._lexical.evidence(tokens)


def _keep_candidates(mixed: Match, words: Match) -> Match:
    """Meaning may re-rank the candidates and turn "did you mean" into an answer, but never
    drops a candidate words found (issue 13: "koi faire pour le convaincre de pas partir" lost
    its right "did you mean" when meaning, unsure of SMS spelling, pulled every score down)."""
    if mixed.outcome == "answer" or not words.suggestions:
        return mixed
    if mixed.outcome == "none":
        return words
    shown = [entry.id for entry, _ in mixed.suggestions]
    missing = [(e, score) for e, score in words.suggestions if e.id not in shown]
    if not missing:
        return mixed
    # The words' best candidate keeps a place; the mixed ranking fills the rest.
    kept = list(mixed.suggestions[: MAX_SUGGESTIONS - 1]) + missing[:1]
    kept += [s for s in mixed.suggestions[MAX_SUGGESTIONS - 1 :] if len(kept) < MAX_SUGGESTIONS]
    return Match("unsure", None, mixed.score, mixed.lang, tuple(kept[:MAX_SUGGESTIONS]))


@dataclass(frozen=True)
class Asked:
    """What a question says about its subject beyond its words' scores."""

    named: frozenset[str]  # country codes and region names, Mali left out
    with_mali: bool  # the question names Mali or Malians too
    excluded: frozenset[str] = frozenset()  # stems of what it is not about ("besides ...")
    office_holder: bool = False  # who holds an office, or will win ("who is the minister")
    live_value: bool = False  # it asks today's value of something ("euro cfa rate today")
    other_nationality: bool = False  # how to acquire a nationality, Mali's not named
    to_a_person: bool = False  # it asks to talk with a person ("can someone answer me here")
    years: frozenset[str] = frozenset()  # years it asks about (not "since 2008")
    towns: frozenset[str] = frozenset()  # Mali's towns it asks about (not "je vis a kayes")
    stems: frozenset[str] = frozenset()  # the stems of its words
    unknown: bool = False  # it has a word no entry uses (a number aside)


def _places_in(folded: str) -> frozenset[str]:
    """Countries (ISO codes) and regions a folded text names, Mali left out."""
    regions = {_REGIONS[m.group()] for m in _REGION.finditer(folded)}
    return (countries().named_in(folded) | regions) - {"ML"}


def _names_mali(text: str) -> bool:
    return _MALI.search(fold(text)) is not None


def _entry_texts(entry: Entry, languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    texts: list[str] = []
    for lang in languages:
        texts.extend(entry.questions.get(lang, ()))
        texts.extend(entry.keywords.get(lang, ()))
        if entry.title.get(lang):
            texts.append(entry.title[lang])
    return texts
