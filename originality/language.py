"""Which language a document's prose is in, and how to fold that language's words.

The school writes in French and in English; a copied French paragraph lightly revised (plural
for singular, articles, a verb's tense) must fold to the same words as its source, as an English
one does. Each document's prose is given a language by Lingua (its models inside the wheel:
nothing is downloaded), chosen among the languages below; its words are then stemmed by that
language's Snowball stemmer (PyStemmer) and its stop words dropped.

Stop words: English keeps the list this engine was measured with on the real paraphrase set
(P4P, docs/benchmarks.md); the other languages take the `stop-words` package's list, less the
content words it carries (below), since a noun in a stop list would hide what a paraphrase
keeps.
"""

from __future__ import annotations

import functools
import unicodedata

import Stemmer
from lingua import IsoCode639_1, LanguageDetectorBuilder
from stop_words import get_stop_words

# ISO 639-1 code -> (Snowball stemmer, stop-words list). The languages Snowball, the stop-words
# package and Lingua all know, that a European school's students write in.
LANGUAGES = {
    "en": ("english", None),
    "fr": ("french", "french"),
    "de": ("german", "german"),
    "es": ("spanish", "spanish"),
    "it": ("italian", "italian"),
    "pt": ("portuguese", "portuguese"),
    "nl": ("dutch", "dutch"),
}
DEFAULT = "en"
# Fewer words than this and a detector guesses: such prose keeps the default language.
# 8, about a sentence: a judgment, not measured (set for py3langid, kept for Lingua, whose
# low-accuracy mode is advised from a sentence up: ``_detector``).
MIN_WORDS_TO_DETECT = 8
# What the detector reads of a longer document: runs of words spread over it, so that its cost
# is bounded (Lingua takes about 3 microseconds a word: 6 ms for a report of 2,000 words, once
# per document) and a document's language is still that of most of it, not of an abstract
# in another language at its head. 4 runs of 40 words: a passage of P4P, the real paraphrase
# set, has a median of 42 words, and one run alone is read correctly (tests/unit/test_language.py).
DETECTION_RUNS = 4
DETECTION_RUN_WORDS = 40
# A paragraph reads in another language than its document's only when the detector is this
# sure of it over the document's language (their confidences' difference): a report template
# in English filled in in French keeps its instructions in English, as the template itself
# reads. Measured on the real paraphrase set (P4P, English), cut into runs of 8 / 10 / 12
# words as short paragraphs: 0.38% / 0.38% / 0.24% of them read as another language at 0.99
# (4.1% / 2.8% / 1.8% with no margin), while the 8 sentences of a French template and its
# answers (8 to 22 words) all read as French (docs/benchmarks.md, "A paragraph's own language").
PARAGRAPH_MARGIN = 0.99
# A paragraph that many of its document language's stop words make up is in that language, and
# the detector is not asked (it costs about as much again as tokenizing: 4.6 -> 9.9 us a word on
# P4P's passages laid out as 100-paragraph reports). Measured on the same sets: 99% of P4P's
# English passages are at least 0.22 English stop words (median 0.50); the French template's
# and test paragraphs 0.06 at most.
SAME_LANGUAGE_STOP_SHARE = 0.2

# Words that carry no content of their own; dropping them makes "the results of the test"
# and "test results" agree.
ENGLISH_STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also may might must shall upon thus hence however therefore""".split()
)
# Content words in the stop-words package's lists (French: "personnes", "choses", "nouveaux",
# "devoir", ... are nouns and verbs a paraphrase keeps): left in the text.
NOT_STOP_WORDS = frozenset(
    """personne personnes chose choses nouveau nouveaux nouvelle nouvelles devoir faire point
    pouvoir vouloir savoir temps monde""".split()
)


def strip_accents(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    # Lingua's low-accuracy mode reads trigrams only: its models for these seven languages load
    # on the first document with prose in 0.05 s of CPU and 16 MB, where py3langid's took 0.35 s
    # and 75 MB, and its high-accuracy mode 0.96 s (docs/benchmarks.md, "Prose per language").
    # The mode is what Lingua advises from a sentence up, and a document needs
    # ``MIN_WORDS_TO_DETECT`` words to be read at all.
    codes = [IsoCode639_1.from_str(code) for code in sorted(LANGUAGES)]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()


def detect(text: str) -> str:
    """The language code of some prose: one of ``LANGUAGES``; the default when it is short or
    undecided."""
    words = text.split()
    if len(words) < MIN_WORDS_TO_DETECT:
        return DEFAULT
    found = _detector().detect_language_of(" ".join(_spread_runs(words)))
    return DEFAULT if found is None else found.iso_code_639_1.name.lower()


def paragraph_languages(lines: list[str], document: str) -> list[str]:
    """Per line of some folded prose, the language its words are read in: its paragraph's (a
    run of lines without a blank one) when the detector is sure of another than the document's
    (``PARAGRAPH_MARGIN``), else the document's. A paragraph under ``MIN_WORDS_TO_DETECT``
    words (a heading, a short line of a form) is read as the next paragraph long enough to be
    read: a template's headings go with its instructions, in the template's language."""
    paragraphs: list[tuple[int, int, str | None]] = []  # first line, end, language if long enough
    start = 0
    for end in range(len(lines) + 1):
        if end < len(lines) and lines[end].strip():
            continue
        if end > start:
            paragraphs.append((start, end, _paragraph_language(" ".join(lines[start:end]).split(), document)))
        start = end + 1
    codes = [document] * len(lines)
    following = document
    for first, end, code in reversed(paragraphs):
        following = code or following
        codes[first:end] = [following] * (end - first)
    return codes


def _paragraph_language(words: list[str], document: str) -> str | None:
    """A paragraph's language, None when it is too short to tell."""
    if len(words) < MIN_WORDS_TO_DETECT:
        return None
    if _stop_share(words, document) >= SAME_LANGUAGE_STOP_SHARE:
        return document
    found = _confidences(" ".join(_spread_runs(words)))
    best = max(found, key=lambda code: (found[code], code))
    return best if found[best] - found.get(document, 0.0) >= PARAGRAPH_MARGIN else document


def _stop_share(words: list[str], code: str) -> float:
    stops = stop_words(code)
    return sum(strip_accents(word.casefold()).strip(".,;:!?()«»\"'") in stops for word in words) / len(words)


def _confidences(text: str) -> dict[str, float]:
    return {value.language.iso_code_639_1.name.lower(): value.value
            for value in _detector().compute_language_confidence_values(text)}


def _spread_runs(words: list[str]) -> list[str]:
    """``DETECTION_RUNS`` runs of ``DETECTION_RUN_WORDS`` words, evenly spread from the first
    word to the last; all the words when there are no more than that."""
    if len(words) <= DETECTION_RUNS * DETECTION_RUN_WORDS:
        return words
    last_start = len(words) - DETECTION_RUN_WORDS
    starts = [round(k * last_start / (DETECTION_RUNS - 1)) for k in range(DETECTION_RUNS)]
    return [word for start in starts for word in words[start:start + DETECTION_RUN_WORDS]]


@functools.lru_cache(maxsize=None)
def stop_words(code: str) -> frozenset[str]:
    """A language's stop words, case- and accent-folded as the words they are compared with."""
    source = LANGUAGES[code][1]
    words = ENGLISH_STOP_WORDS if source is None else get_stop_words(source)
    return frozenset(strip_accents(w.casefold()) for w in words) - NOT_STOP_WORDS


@functools.lru_cache(maxsize=None)
def _stemmer(code: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(LANGUAGES[code][0])


def stem(code: str, word: str) -> str:
    """The Snowball stem of a case-folded word, then accent-folded (accents guide the French
    stemmer; a student who drops them still writes the same word)."""
    return strip_accents(_stemmer(code).stemWord(word))
