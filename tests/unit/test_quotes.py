"""Quotations that cite their source are shown and left out of the share; a passage in
quotation marks without a reference still counts."""

from __future__ import annotations

import json
from pathlib import Path

from originality import quotes
from originality.check import check
from originality.options import CheckOptions, MatchOptions

SOURCE = ("La recherche montre que la pratique espacée améliore durablement la mémorisation des "
          "connaissances chez les étudiants de premier cycle")


def test_inline_and_block_quotations_need_a_reference() -> None:
    text = (f"Comme l'écrit l'auteur, « {SOURCE} » (Martin, 2019), ce que nous vérifions.\n"
            f"Sans source : « {SOURCE} » et rien après.\n"
            "Un « mot court » (Martin, 2019) n'est pas une citation.\n"
            "\n"
            "> The spacing effect is one of the most robust findings in\n"
            "> the whole of experimental psychology.\n"
            "— Hermann Ebbinghaus\n"
            "\n"
            "> A block quote with no attribution at all is\n"
            "> just indented text that counts.\n")
    found = quotes.find(text, first_line=10)
    # The block quote's attribution, on the line after it, is part of it.
    assert [(q.start_line, q.end_line) for q in found] == [(10, 10), (14, 16)]
    assert text[found[0].start : found[0].end].startswith("« La recherche")
    # So is an inline quotation's reference, and what leads to it after the closing mark.
    assert text[found[0].start : found[0].end].endswith("» (Martin, 2019)")
    assert text[found[1].start : found[1].end].endswith("— Hermann Ebbinghaus")
    inside = quotes.inside(found)
    assert inside(found[1].start) and not inside(found[1].end) and not inside(0)
    numbered = f'He writes "{SOURCE}" [3] and a footnote "{SOURCE}"[^2].'
    assert len(quotes.find(numbered)) == 2


def _report(tmp_path: Path, texts: dict[str, str], keep: bool = False) -> dict:
    folders = []
    for name, text in texts.items():
        folder = tmp_path / name
        folder.mkdir(parents=True)
        (folder / "rapport.md").write_text(text, encoding="utf-8")
        folders.append(folder)
    options = CheckOptions(workers=1, min_similarity=0.0, match=MatchOptions(leave_out_quotations=not keep))
    return json.loads(check(folders, options=options).to_json())


ALICE = ("Notre projet compare trois méthodes de révision pour un examen de statistique. Nous avons "
         "interrogé vingt camarades sur leurs habitudes, puis mesuré leurs notes avant et après "
         "quatre semaines d'entraînement régulier avec des fiches. ")
BOB = ("Ce rapport décrit une application mobile qui rappelle aux élèves de relire leurs cours. "
       "Elle envoie une notification chaque soir et enregistre le temps passé sur chaque chapitre, "
       "ce qui permet à l'enseignant de suivre la progression du groupe. ")


def test_two_students_citing_one_source_have_not_copied_each_other(tmp_path: Path) -> None:
    texts = {"alice": ALICE + f"Comme le rappelle la littérature, « {SOURCE} » (Martin, 2019).",
             "bob": BOB + f"D'après une revue récente, « {SOURCE} » (Martin, 2019)."}
    left_out = _report(tmp_path / "default", texts)
    kept = _report(tmp_path / "kept", texts, keep=True)
    score = left_out["pairs"][0]["similarity"] if left_out["pairs"] else 0.0
    assert score < 0.2 < kept["pairs"][0]["similarity"], (score, kept["pairs"][0]["similarity"])
    alice = next(s for s in left_out["submissions"] if s["id"] == "alice")
    assert alice["quotations"] == [{"file": "rapport.md", "start_line": 1, "end_line": 1}]
    assert next(s for s in kept["submissions"] if s["id"] == "alice")["quotations"] == []


def test_two_short_reports_citing_one_source_alike_have_not_copied_each_other(tmp_path: Path) -> None:
    # Students cite a source alike: the same reference after a quotation, the same attribution
    # under a block quote. In short reports those words alone made a pair (0.22 when the
    # reference and the attribution were counted).
    quoted = (f"« {SOURCE} » (Martin, 2019, p. 4).\n\n"
              "> Lire, c'est voyager ; voyager, c'est lire, et chaque livre rendu en retard est un\n"
              "> voyage prolongé que la bibliothèque finit toujours par pardonner à ses lecteurs.\n"
              "— Victor Hugo\n")
    texts = {"alice": ("Notre analyse porte sur les retards de restitution observés pendant l'hiver.\n\n"
                       "Comme l'écrit l'auteur, " + quoted),
             "bob": ("Ce travail s'intéresse aux usagers inscrits depuis plus de cinq ans.\n\n"
                     "Selon une étude récente, " + quoted)}
    report = _report(tmp_path, texts)
    score = report["pairs"][0]["similarity"] if report["pairs"] else 0.0
    assert score < 0.1, score
    alice = next(s for s in report["submissions"] if s["id"] == "alice")
    assert alice["quotations"] == [{"file": "rapport.md", "start_line": 3, "end_line": 3},
                                   {"file": "rapport.md", "start_line": 5, "end_line": 7}]


def test_copied_text_between_quotation_marks_without_a_reference_still_counts(tmp_path: Path) -> None:
    copied = f"« {ALICE}{SOURCE} »"
    report = _report(tmp_path, {"alice": ALICE + SOURCE, "mallory": copied})
    assert report["pairs"][0]["similarity"] > 0.8
    assert all(s["quotations"] == [] for s in report["submissions"])


def test_the_static_report_lists_the_quotations(tmp_path: Path) -> None:
    from originality.html_report import write_html

    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "rapport.md").write_text(ALICE + f"Selon l'article, « {SOURCE} » (Martin, 2019).",
                                       encoding="utf-8")
    write_html(check([folder], options=CheckOptions(workers=1)), tmp_path / "html")
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert "Quotations left out" in page and "<code>rapport.md</code>, line 1" in page
