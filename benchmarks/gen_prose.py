"""Short answers to the five questions, by category (Clough & Stevenson design).

- ``cut``: chunks of the source pasted verbatim, stitched with a sentence or two of one's own.
- ``light``: most source sentences kept in order, words swapped for synonyms, small edits.
- ``heavy``: the source's content re-expressed (hand-written paraphrases), sentences reordered
  and merged, synonyms on top, and several sentences of one's own mixed in.
- ``non``: written independently from one's own knowledge (``bank`` sentences), no source.
"""

from __future__ import annotations

import random
import re

from prose_texts import CONTRACTIONS, OPENERS, SYNONYMS, TERMS, TOPICS

KEEP_CAPITAL = {"I", "Java", "Python", "Google", "Bayes", "Bayes'", "PageRank", "Richard", "Larry", "Sergey",
                "Thomas", "Dynamic", "In", "C++", "P(A)", "P(B|A),", "P(A|B)", "Pierre-Simon", "Gerard"}


def synonymize(sentence: str, rng: random.Random, rate: float) -> str:
    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        alts = SYNONYMS.get(word.lower())
        if not alts or rng.random() >= rate:
            return word
        new = rng.choice(alts)
        return new[0].upper() + new[1:] if word[0].isupper() else new
    return re.sub(r"[A-Za-z]+", swap, sentence)


def light_edit(sentence: str, rng: random.Random) -> str:
    s = synonymize(sentence, rng, 0.4)
    for a, b in CONTRACTIONS.items():
        if a in s and rng.random() < 0.5:
            s = s.replace(a, b, 1)
    s = re.sub(r"\b(also|therefore|most often|automatically|usually|simply) ", "", s) if rng.random() < 0.5 else s
    s = s.replace(" such as ", " like ") if rng.random() < 0.5 else s
    if rng.random() < 0.15:
        s = rng.choice(OPENERS) + lower_first(s)
    return s


def lower_first(s: str) -> str:
    first = s.split(" ", 1)[0]
    if first in KEEP_CAPITAL or (len(first) > 1 and first[1].isupper()):
        return s
    return s[0].lower() + s[1:]


def merge(a: str, b: str, rng: random.Random) -> str:
    joiner = rng.choice([", and ", "; ", ", while ", ", so "]) if not b.startswith(("For example", "However")) else "; "
    return a.rstrip(".") + joiner + lower_first(b)


def own_sentences(topic: dict, rng: random.Random, k: int, rate: float = 0.15, terms: int = 0) -> list[str]:
    """k sentences of one's own, ``terms`` of them using the field's standard phrasing."""
    bank = list(topic["bank"])  # type: ignore[arg-type]
    own = [synonymize(s, rng, rate) for s in rng.sample(bank, min(k - terms, len(bank)))]
    own += rng.sample(TERMS[topic["name"]], terms)  # type: ignore[index]
    rng.shuffle(own)
    return own


def words(text: list[str]) -> int:
    return sum(len(s.split()) for s in text)


def answer(topic_name: str, kind: str, rng: random.Random, target: tuple[int, int] = (200, 300)) -> str:
    topic = {**TOPICS[topic_name], "name": topic_name}
    src: list[str] = topic["source"]  # type: ignore[assignment]
    n = len(src)
    if kind == "cut":
        # one or two verbatim chunks of the source plus own sentences around them
        sents: list[str] = []
        chunks = rng.choice([1, 2, 2, 3])
        starts = sorted(rng.sample(range(n - 3), chunks))
        used = set()
        for st in starts:
            for i in range(st, min(n, st + rng.randint(3, 6))):
                if i not in used:
                    used.add(i)
                    sents.append(src[i])
            if rng.random() < 0.6:
                sents += own_sentences(topic, rng, 1)
        sents = own_sentences(topic, rng, rng.randint(0, 2)) + sents
    elif kind == "light":
        keep = sorted(rng.sample(range(n), rng.randint(n - 4, n - 1)))
        sents = [light_edit(src[i], rng) for i in keep]
        if rng.random() < 0.5:
            sents.insert(rng.randrange(len(sents) + 1), own_sentences(topic, rng, 1)[0])
    elif kind == "heavy":
        heavy: list[str] = topic["heavy"]  # type: ignore[assignment]
        keep = sorted(rng.sample(range(n), rng.randint(6, 9)))
        # most sentences re-expressed; one or two source sentences survive, lightly edited
        verbatim = set(rng.sample(keep, rng.choice([0, 1, 1, 2])))
        sents = [light_edit(src[i], rng) if i in verbatim else synonymize(heavy[i], rng, 0.25) for i in keep]
        # reorder: rotate blocks and swap neighbours
        blocks = [sents[i:i + 3] for i in range(0, len(sents), 3)]
        rng.shuffle(blocks)
        sents = [s for b in blocks for s in b]
        for _ in range(2):
            i = rng.randrange(len(sents) - 1)
            sents[i], sents[i + 1] = sents[i + 1], sents[i]
        # merge a couple of neighbours into one sentence
        for _ in range(rng.randint(1, 3)):
            if len(sents) < 3:
                break
            i = rng.randrange(len(sents) - 1)
            sents[i:i + 2] = [merge(sents[i], sents[i + 1], rng)]
        for s in own_sentences(topic, rng, rng.randint(3, 5), terms=rng.randint(0, 2)):
            sents.insert(rng.randrange(len(sents) + 1), s)
    elif kind == "non":
        sents = own_sentences(topic, rng, rng.randint(10, 14), rate=0.3, terms=rng.randint(1, 4))
        for _ in range(rng.randint(0, 2)):
            i = rng.randrange(len(sents) - 1)
            sents[i:i + 2] = [merge(sents[i], sents[i + 1], rng)]
    else:
        raise ValueError(kind)
    # trim or pad towards the target length
    while words(sents) > target[1] and len(sents) > 4:
        sents.pop(rng.randrange(1, len(sents)))
    bank_left = [s for s in topic["bank"] if s not in sents]  # type: ignore[union-attr]
    rng.shuffle(bank_left)
    while words(sents) < target[0] and bank_left:
        sents.insert(rng.randrange(len(sents) + 1), bank_left.pop())
    return paragraphs(sents, rng)


def paragraphs(sents: list[str], rng: random.Random) -> str:
    out, cur = [], []
    for s in sents:
        cur.append(s)
        if len(cur) >= 3 and rng.random() < 0.35:
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return "\n\n".join(out) + "\n"


def source_text(topic_name: str) -> str:
    src: list[str] = TOPICS[topic_name]["source"]  # type: ignore[assignment]
    return " ".join(src[:5]) + "\n\n" + " ".join(src[5:9]) + "\n\n" + " ".join(src[9:]) + "\n"
