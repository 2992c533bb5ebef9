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
    assert [(q.start_line, q.end_line) for q in found] == [(10, 10), (14, 15)]
    assert text[found[0].start : found[0].end].startswith("« La recherche")
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
