"""LaTeX sources: the body's words on their own lines, the preamble and the markup left out, the
listings read as code."""

from __future__ import annotations

import json
from pathlib import Path

from originality.check import check
from originality.extract import extract
from originality.model import DocumentState, Entry, Segment, SegmentKind
from originality.options import CheckOptions

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage[french]{babel}
\usepackage{amsmath,amssymb,graphicx,hyperref,listings,xcolor}
\usepackage[margin=2.5cm]{geometry}
\lstset{basicstyle=\ttfamily\small, breaklines=true, frame=single, numbers=left}
\title{Rapport de projet}
\date{\today}
"""
BODY = r"""\begin{document}
\maketitle
\section{Analyse des \textbf{besoins}}\label{sec:besoins}
% a comment the reader never sees
Nous avons mené trois entretiens~\cite[p.~3]{dupont19} ; voir la figure~\ref{fig:plan}.
Le taux de r\'eussite atteint 50\,\% \emph{après} la r\'eforme.
\begin{figure}[h]
\includegraphics[width=0.5\textwidth]{img/plan.png}
\caption{Plan de l'\oe uvre}
\end{figure}
\begin{lstlisting}[language=Python, caption={Le calcul}]
def penalite(jours):
    return 0.5 * jours  # 50 centimes
\end{lstlisting}
\begin{minted}[linenos]{java}
int x = 1;
\end{minted}
\begin{verbatim}
sortie du programme
\end{verbatim}
Fin.
\end{document}
Notes after the end are never typeset.
"""


def test_latex_body_is_read_line_for_line_without_its_markup() -> None:
    source = PREAMBLE + BODY
    document = extract(Entry("rapport.tex", source.encode()))
    assert document.state is DocumentState.OK
    lines = document.text.split("\n")
    assert len(lines) == len(source.split("\n"))  # every line keeps its number
    first = PREAMBLE.count("\n")  # index of \begin{document}
    assert lines[:first + 2] == [""] * (first + 2)
    assert lines[first + 2:] == [
        "Analyse des besoins", "", "Nous avons mené trois entretiens ; voir la figure .",
        "Le taux de réussite atteint 50 % après la réforme.", "", "", "Plan de l'œuvre", "",
        "", "def penalite(jours):", "    return 0.5 * jours  # 50 centimes", "", "",
        "int x = 1;", "", "", "sortie du programme", "", "Fin.", "", "", ""]
    at = first + 3  # 1-based line of \section
    assert document.segments == (
        Segment(SegmentKind.PROSE, at, at + 6), Segment(SegmentKind.CODE, at + 9, at + 10, "python"),
        Segment(SegmentKind.CODE, at + 13, at + 13, "java"),
        Segment(SegmentKind.PROSE, at + 16, at + 16), Segment(SegmentKind.PROSE, at + 18, at + 18))


def test_a_chapter_without_begin_document_is_all_body() -> None:
    document = extract(Entry("chapitre.tex", rb"\chapter{M\'ethode}" b"\nNous avons compar\\'e.\n"))
    assert document.text == "Méthode\nNous avons comparé.\n"


def _similarity(tmp_path: Path, texts: dict[str, str]) -> float:
    folders = []
    for student, text in texts.items():
        (tmp_path / student).mkdir(parents=True)
        (tmp_path / student / "rapport.tex").write_text(text, encoding="utf-8")
        folders.append(tmp_path / student)
    report = json.loads(check(folders, options=CheckOptions(workers=1, min_similarity=0.0)).to_json())
    return report["pairs"][0]["similarity"] if report["pairs"] else 0.0


ALICE = ("\\section{Introduction}\nNotre application gère les prêts de la bibliothèque municipale et "
         "remplace un tableur partagé. Les bibliothécaires passaient quatre heures par semaine à relancer "
         "les adhérents en retard.\n\n\\section{Conception}\nNous avons conçu une base relationnelle où "
         "chaque exemplaire est distinct de son ouvrage, et les relances partent chaque matin.\n")
BOB = ("\\section{Contexte}\nCe projet mesure la qualité de l'air dans les salles de classe grâce à des "
       "capteurs bon marché. Chaque capteur envoie sa mesure toutes les cinq minutes au serveur.\n\n"
       "\\section{Résultats}\nLes enseignants ont trouvé les alertes utiles mais trop fréquentes lors "
       "des premiers essais, et une version prochaine apprendra les horaires.\n")


def test_independent_reports_sharing_a_preamble_are_no_pair_and_a_copy_still_is(tmp_path: Path) -> None:
    def report(body: str) -> str:
        return PREAMBLE + "\\begin{document}\n\\maketitle\n" + body + "\\end{document}\n"

    independent = _similarity(tmp_path / "independent", {"alice": report(ALICE), "bob": report(BOB)})
    assert independent < 0.3  # 0.89 read as plain text
    copied = _similarity(tmp_path / "copied", {
        "alice": report(ALICE), "carol": "\\documentclass{report}\n\\begin{document}\n" + ALICE + "\\end{document}\n"})
    assert copied > 0.9
