"""Running heads and feet: a line printed on every page or slide is read once, so a school's
footer or a page header shared by every student no longer makes independent work a pair."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.util import Inches

from fixtures.documents import make_pdf, make_pptx
from originality.check import check
from originality.extract import extract
from originality.extractors.running import drop_running_lines
from originality.model import Entry
from originality.options import CheckOptions

FOOTER = "Université de Lyon - Génie logiciel - Soutenance de projet - Juin 2026"
HEADER = "Rapport de projet tutoré - Licence 3 informatique - Année 2025-2026"
# Two students' own words on one task, a slide or a page each.
ALICE = [
    "Notre application gère les prêts de la bibliothèque municipale et remplace un tableur partagé.",
    "Les bibliothécaires passaient quatre heures par semaine à relancer les adhérents en retard.",
    "Nous avons conçu une base relationnelle où chaque exemplaire est distinct de son ouvrage.",
    "Les relances partent désormais chaque matin par courriel, sans intervention du personnel.",
    "Les tests avec trois employées ont montré une prise en main rapide de l'interface web.",
    "Il reste à importer l'ancien catalogue, dont les doublons doivent être fusionnés à la main.",
]
BOB = [
    "Ce projet mesure la qualité de l'air dans les salles de classe grâce à des capteurs bon marché.",
    "Chaque capteur envoie sa mesure de dioxyde de carbone toutes les cinq minutes au serveur.",
    "Un tableau de bord affiche les salles où il faudrait ouvrir les fenêtres pendant le cours.",
    "Nous avons calibré les capteurs contre un appareil de référence prêté par le laboratoire.",
    "Les enseignants ont trouvé les alertes utiles mais trop fréquentes lors des premiers essais.",
    "Une prochaine version devrait apprendre les horaires de chaque salle pour prévenir plus tôt.",
]


def _slides_pdf(texts: list[str]) -> bytes:
    return make_pdf([f"{HEADER}\n{text}\n{FOOTER} {number}/{len(texts)}"
                     for number, text in enumerate(texts, 1)])


def _pair_similarity(tmp_path: Path, files: dict[str, tuple[str, bytes]]) -> float:
    folders = []
    for student, (name, data) in files.items():
        folder = tmp_path / student
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data)
        folders.append(folder)
    report = json.loads(check(folders, options=CheckOptions(workers=1, min_similarity=0.0)).to_json())
    return report["pairs"][0]["similarity"] if report["pairs"] else 0.0


def test_a_line_heading_or_footing_every_page_is_kept_on_the_first_only() -> None:
    pages = [["Rapport - page 1/4", "Intro", "words", "pied"],
             ["Rapport - page 2/4", "Body", "more words", "Tableau 2", "pied"],
             ["Rapport - page 3/4", "Tableau 2", "end", "x", "y", "z", "w", "pied"],
             ["Rapport - page 10/40", "Annexe"]]
    assert drop_running_lines(pages) == [
        ["Rapport - page 1/4", "Intro", "words", "pied"],
        ["Body", "more words", "Tableau 2"],
        ["Tableau 2", "end", "x", "y", "z", "w"],
        ["Annexe"]]
    # Two pages are too few to tell a running line from a title the student repeated.
    assert drop_running_lines([["Titre", "a"], ["Titre", "b"]]) == [["Titre", "a"], ["Titre", "b"]]


def test_pdf_running_head_and_foot_are_read_once() -> None:
    document = extract(Entry("slides.pdf", _slides_pdf(ALICE[:3])))
    assert document.text == "\n".join([HEADER, ALICE[0], f"{FOOTER} 1/3", "", ALICE[1], "", ALICE[2]])


def test_pptx_footer_text_box_and_footer_placeholders_are_read_once() -> None:
    data = make_pptx([[f"Partie {n}", text, FOOTER] for n, text in enumerate(ALICE[:3], 1)])
    assert extract(Entry("talk.pptx", data)).text == "\n".join(
        ["Partie 1", ALICE[0], FOOTER, "", ALICE[1], "", ALICE[2]])
    # The footer, slide number and date placeholders a layout offers are never the student's.
    presentation = Presentation()
    for text in ALICE[:2]:
        slide = presentation.slides.add_slide(presentation.slide_layouts[6])
        slide.shapes.add_textbox(Inches(1), Inches(1), Inches(8), Inches(1)).text_frame.text = text
        for placeholder in slide.slide_layout.placeholders:
            slide.shapes.clone_placeholder(placeholder)
        assert {shape.placeholder_format.type for shape in slide.placeholders} == {
            PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.DATE}
        for shape in slide.placeholders:
            shape.text_frame.text = f"{FOOTER} {shape.placeholder_format.type} {text[:9]}"
    buffer = io.BytesIO()
    presentation.save(buffer)
    assert extract(Entry("talk.pptx", buffer.getvalue())).text == f"{ALICE[0]}\n\n{ALICE[1]}"


def test_independent_decks_sharing_a_footer_are_no_pair_and_a_copy_still_is(tmp_path: Path) -> None:
    pdf = _pair_similarity(tmp_path / "pdf", {"alice": ("slides.pdf", _slides_pdf(ALICE)),
                                              "bob": ("slides.pdf", _slides_pdf(BOB))})
    deck = _pair_similarity(tmp_path / "pptx", {
        "alice": ("talk.pptx", make_pptx([[text, FOOTER] for text in ALICE])),
        "bob": ("talk.pptx", make_pptx([[text, FOOTER] for text in BOB]))})
    # Both were about 1.0. The PDF's first page still holds its header and footer once: in
    # decks this short, a fifth of their words.
    assert pdf < 0.5 and deck < 0.3, (pdf, deck)
    copied = _pair_similarity(tmp_path / "copy", {"alice": ("slides.pdf", _slides_pdf(ALICE)),
                                                  "carol": ("rapport.pdf", make_pdf(ALICE))})
    assert copied > 0.9
