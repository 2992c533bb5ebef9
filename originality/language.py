"""Which language a document's prose is in, and how to fold that language's words.

The school writes in French and in English; a copied French paragraph lightly revised (plural
for singular, articles, a verb's tense) must fold to the same words as its source, as an English
one does. Each document's prose is given a language by py3langid (a maintained packaging of
langid.py, its model inside the wheel: nothing is downloaded), chosen among the languages below;
its words are then stemmed by that language's Snowball stemmer (PyStemmer) and its stop words
dropped.

Stop words: English keeps the list this engine was measured with on the real paraphrase set
(P4P, docs/benchmarks.md); the other languages take the `stop-words` package's list, less the
content words it carries (below), since a noun in a stop list would hide what a paraphrase
keeps.
"""

from __future__ import annotations

import functools
import unicodedata

import Stemmer
from stop_words import get_stop_words

# langid code -> (Snowball stemmer, stop-words list). The languages Snowball, the stop-words
# package and langid all know, that a European school's students write in.
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
# Fewer words than this and langid guesses: such prose keeps the default language.
MIN_WORDS_TO_DETECT = 8

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
def _identifier():  # type: ignore[no-untyped-def]
    # Loaded once per process, on the first document with prose (about 0.8 s).
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted(LANGUAGES))
    return identifier


def detect(text: str) -> str:
    """The language code of some prose: one of ``LANGUAGES``; the default when it is short."""
    if len(text.split()) < MIN_WORDS_TO_DETECT:
        return DEFAULT
    code, _ = _identifier().classify(text)
    return code if code in LANGUAGES else DEFAULT


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
