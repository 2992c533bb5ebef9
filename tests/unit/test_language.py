"""Prose per language: French folds as English does, and an unrelated paragraph stays apart."""

from __future__ import annotations

from pathlib import Path

from originality import language
from originality.check import check
from originality.model import Document, DocumentState, Segment, SegmentKind
from originality.normalize import tokenize
from originality.options import CheckOptions

FR_ORIGINAL = """Les étudiants ont analysé les résultats des expériences menées pendant le semestre.
Les mesures montrent que les algorithmes de tri fusion restent plus rapides que les tris par
insertion lorsque les tableaux dépassent quelques milliers d'éléments. Nous avons répété chaque
mesure dix fois afin de réduire l'influence du système d'exploitation, puis nous avons comparé
les moyennes obtenues sur trois machines différentes."""
# Singular for plural, other articles, the passive voice: the light revision a copier makes.
FR_REVISED = """L'étudiant a analysé le résultat de l'expérience menée durant le semestre.
La mesure montre que l'algorithme de tri fusion reste plus rapide que le tri par insertion
quand le tableau dépasse quelques milliers d'éléments. Chaque mesure a été répétée dix fois pour
réduire l'influence du système d'exploitation, puis la moyenne obtenue a été comparée sur trois
machines différentes."""
FR_UNRELATED = """Ce rapport présente notre propre étude des algorithmes de tri. Nous avons écrit
un programme qui génère des listes aléatoires, puis nous avons chronométré le tri rapide et le tri
par tas sur un ordinateur portable. Le tri par tas donne des durées stables, tandis que le tri
rapide dépend beaucoup du choix du pivot. Nos conclusions portent surtout sur la mémoire utilisée."""
EN_ORIGINAL = """The students analysed the results of the experiments run during the semester.
The measurements show that merge sort algorithms remain faster than insertion sorts when the
arrays exceed a few thousand elements. We repeated each measurement ten times in order to reduce
the influence of the operating system, then we compared the averages obtained on three different
machines."""
EN_REVISED = """The student analysed the result of the experiment run during the semester.
The measurement shows that the merge sort algorithm remains faster than insertion sort when the
array exceeds a few thousand elements. Each measurement was repeated ten times to reduce the
influence of the operating system, then the average obtained was compared on three different
machines."""


def _prose(text: str) -> Document:
    return Document("r.md", DocumentState.OK, text,
                    (Segment(SegmentKind.PROSE, 1, text.count("\n") + 1),), "", 1)


def test_the_language_is_read_per_document() -> None:
    assert language.detect(FR_ORIGINAL) == "fr"
    assert language.detect(EN_ORIGINAL) == "en"
    assert language.detect("Résultats") == language.DEFAULT  # too short to tell


def test_french_inflections_and_articles_fold_to_the_same_words() -> None:
    words = tokenize(_prose("Les résultats des expériences et des algorithmes rapides, "
                            "le résultat de l'expérience et de l'algorithme rapide.")).symbols
    half = len(words) // 2
    assert words[:half] == words[half:]
    assert "w:les" not in words and "w:le" not in words  # articles are stop words


def _pair(tmp_path: Path, a: str, b: str) -> float:
    folders = []
    for name, text in (("a", a), ("b", b)):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        (folder / "report.md").write_text(text, encoding="utf-8")
        folders.append(folder)
    report = check(folders, options=CheckOptions(workers=1, min_similarity=0.0))
    return report.pairs[0].similarity if report.pairs else 0.0


def test_a_light_french_revision_scores_like_its_english_counterpart_and_unrelated_work_stays_low(
        tmp_path: Path) -> None:
    french = _pair(tmp_path / "fr", FR_ORIGINAL, FR_REVISED)
    english = _pair(tmp_path / "en", EN_ORIGINAL, EN_REVISED)
    unrelated = _pair(tmp_path / "other", FR_ORIGINAL, FR_UNRELATED)
    assert french >= 0.5 and abs(french - english) <= 0.1, (french, english)
    assert unrelated < 0.2, unrelated


def test_a_sentence_is_enough_to_tell_french_from_english() -> None:
    # Eight to twelve words, written for the test: the shortest prose the detector reads.
    assert language.detect("Nous avons testé le programme avec plusieurs fichiers de données.") == "fr"
    assert language.detect("We tested the program with several different data files.") == "en"
    assert language.detect("Le dataset contient 3000 lignes, nous avons supprimé les valeurs manquantes.") == "fr"


def test_a_long_document_takes_the_language_of_most_of_it_not_of_its_head() -> None:
    # An English abstract ahead of a French report four times its length: the detector reads
    # runs spread over the whole text (a bounded cost), and the report is French.
    abstract = " ".join([EN_ORIGINAL] * 2)
    report = " ".join([FR_ORIGINAL, FR_UNRELATED] * 4)
    words = (abstract + " " + report).split()
    assert len(words) > language.DETECTION_RUNS * language.DETECTION_RUN_WORDS * 2
    assert language.detect(abstract + " " + report) == "fr"
    assert language.detect(report + " " + abstract) == "fr"
    runs = language._spread_runs(words)
    assert len(runs) == language.DETECTION_RUNS * language.DETECTION_RUN_WORDS
    assert runs[:language.DETECTION_RUN_WORDS] == words[:language.DETECTION_RUN_WORDS]
    assert runs[-language.DETECTION_RUN_WORDS:] == words[-language.DETECTION_RUN_WORDS:]


TEMPLATE_EN = """# Lab 1 report: a grade book

## 1. Introduction

Describe in a few lines the goal of the lab and the approach you followed to carry it out.

## 2. Implementation choices

Explain the data structures you used to represent the grades, and justify your choices against the possible alternatives.

## 3. Conclusion

Conclude by summing up what you learnt and what you would improve if you had more time.
"""
ANSWERS_FR = {
    "alice": ["Le but de ce TP était de calculer des statistiques sur un fichier de notes. J'ai d'abord lu le "
              "fichier, puis écrit chaque fonction en la testant à la main sur quelques élèves.",
              "J'ai gardé le dictionnaire de dictionnaires fourni, car il permet d'accéder rapidement aux notes "
              "d'un élève dans une matière donnée, sans parcourir toute la classe.",
              "J'ai appris à manipuler les dictionnaires imbriqués. Avec plus de temps, j'ajouterais des tests "
              "unitaires et une lecture plus robuste des fichiers mal formés."],
    "bob": ["L'objectif était d'écrire des fonctions de calcul de moyenne et de classement. J'ai procédé "
            "fonction par fonction, en vérifiant chaque résultat avec un petit exemple.",
            "J'ai utilisé des boucles simples pour que le calcul soit explicite, et une fonction de tri avec une "
            "clé pour obtenir le classement en un seul appel.",
            "Je sais maintenant écrire une clé de tri. Je voudrais ajouter une interface graphique pour que les "
            "professeurs puissent consulter les moyennes sans ouvrir de terminal."],
}


def _filled(template: str, answers: list[str]) -> str:
    parts = template.split("\n## ")
    return "\n## ".join([parts[0]] + [part.rstrip("\n") + f"\n\n{answer}\n" for part, answer in zip(parts[1:], answers)])


def test_a_paragraph_surely_in_another_language_is_read_in_it_with_its_heading() -> None:
    text = _filled(TEMPLATE_EN, ANSWERS_FR["alice"])
    assert language.detect(text) == "fr"  # the answers are most of it
    lines = text.split("\n")
    codes = language.paragraph_languages(lines, "fr")
    by_line = {line: code for line, code in zip(lines, codes) if line.strip()}
    assert by_line["## 1. Introduction"] == by_line[lines[4]] == "en"  # a heading goes with what follows
    assert all(by_line[answer] == "fr" for answer in ANSWERS_FR["alice"])
    # One language throughout: every paragraph keeps the document's.
    assert set(language.paragraph_languages(TEMPLATE_EN.split("\n"), "en")) == {"en"}


def test_an_english_template_filled_in_in_french_is_left_out_as_starter_text(tmp_path: Path) -> None:
    # Each report reads as French (its answers); the template alone as English. Read as French,
    # the template's instructions no longer equalled the starter's, and every pair scored 0.99.
    base = tmp_path / "base"
    base.mkdir()
    (base / "report.md").write_text(TEMPLATE_EN, encoding="utf-8")
    folders = []
    for student, answers in ANSWERS_FR.items():
        folder = tmp_path / student
        folder.mkdir()
        (folder / "report.md").write_text(_filled(TEMPLATE_EN, answers), encoding="utf-8")
        folders.append(folder)
    report = check(folders, bases=[base], options=CheckOptions(workers=1, min_similarity=0.0))
    assert max((p.similarity for p in report.pairs), default=0.0) < 0.3, report.pairs
