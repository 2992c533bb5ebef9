"""Tampering (issue 12, item 3): invisible characters and look-alike letters are folded before
matching, hidden text in documents is left out, and each trick is flagged per file."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.dml import MSO_THEME_COLOR
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt, RGBColor
from pptx import Presentation
from pptx.dml.color import RGBColor as PptxRGB
from pptx.util import Inches, Pt as PptxPt

from fixtures import tricks
from fixtures.scenarios import (
    PROSE_INDEPENDENT_PARAGRAPHS,
    PROSE_PARAPHRASE_PARAGRAPHS,
    PROSE_SOURCE_MD,
    pdf_report_b_paragraphs,
)
from originality import check
from originality.extract import extract
from originality.model import Document, DocumentState, Entry, Segment, SegmentKind
from originality.normalize import tokenize
from originality.tamper import fold_text, lookalikes, scan

# --- folding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), [
    ("co\u200bpy", "copy"),  # zero-width space
    ("re\u00adport", "report"),  # soft hyphen
    ("wo\u200drd jo\u2060in", "word join"),  # zero-width joiner, word joiner
    ("\u202eabc\u202c", "abc"),  # right-to-left override, pop
    ("co\U000e0041py", "copy"),  # a Unicode tag character
    ("\u0441\u043epy of th\u0435 data", "copy of the data"),  # Cyrillic с, о, е in Latin words
    ("\u0421\u041e\u0420Y", "COPY"),  # upper-case Cyrillic С, О, Р
    ("\u03bfbject", "object"),  # Greek omicron
    ("\uff43\uff4f\uff50\uff59 this", "copy this"),  # fullwidth letters
    ("the \u0441\u043e\u0440\u0435 of the work", "the cope of the work"),  # whole word, Latin line
    ("\u0430 report on time", "a report on time"),  # a one-letter look-alike in a Latin line
])
def test_invisible_characters_and_lookalikes_fold_to_the_latin_text(before: str, after: str) -> None:
    assert fold_text(before) == after


@pytest.mark.parametrize("text", [
    "Это копия отчёта о работе: слово сор стоит здесь.",  # Russian, with an all-look-alike word
    "Python-скрипт читает файл",  # a Russian word beside a Latin one
    "Le rapport présente les résultats; l'élève, le garçon, déjà.",
    "Η ανάλυση των δεδομένων",  # Greek
    "emoji 👍\ufe0f and 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f flags",
])
def test_legitimate_text_keeps_its_letters_and_is_not_flagged(text: str) -> None:
    folded = fold_text(text)
    assert [c for c in folded if c.isalpha()] == [c for c in text if c.isalpha()]
    assert scan("a.txt", text) == ()


def test_persian_joiners_and_byte_order_marks_opening_lines_are_not_flagged() -> None:
    assert scan("fa.txt", "\ufeffمی\u200cخواهم") == ()
    assert scan("notes.txt", "\ufeffFirst file\n\ufeffSecond file pasted after it") == ()
    assert scan("notes.txt", "First fi\ufeffle")[0].count == 1


def test_folding_never_moves_a_line() -> None:
    text = "first li\u200bne\n\u200b\u200b\nth\u0456rd\u00ad line\n\n\u202efifth"
    folded = fold_text(text)
    assert folded.split("\n") == ["first line", "", "third line", "", "fifth"]


def test_lookalike_table_comes_from_unicode_confusables() -> None:
    table = lookalikes()
    assert [table[c] for c in "\u0430\u0435\u043e\u0440\u0441\u0445\u0443"] == list("aeopcxy")
    assert table["\u0406"] == "I"  # Cyrillic І stands for I, not for the prototype l
    assert "\u0434" not in table and "a" not in table  # д looks like nothing Latin; Latin is Latin


def prose(text: str) -> Document:
    lines = text.count("\n") + 1
    return Document("a.md", DocumentState.OK, text, (Segment(SegmentKind.PROSE, 1, lines),), "", 1)


def code(text: str) -> Document:
    lines = text.count("\n") + 1
    return Document("a.py", DocumentState.OK, text,
                    (Segment(SegmentKind.CODE, 1, lines, "python"),), "", 1)


def test_tricked_prose_tokenizes_like_the_clean_text_on_the_same_lines() -> None:
    clean = "The grade book reads a spreadsheet\nof marks that teachers export"
    for trick in (tricks.zero_width_spaces, tricks.soft_hyphens, tricks.cyrillic_lookalikes):
        tricked, plain = tokenize(prose(trick(clean))), tokenize(prose(clean))
        assert tricked.symbols == plain.symbols, trick.__name__
        assert tricked.lines == plain.lines


def test_tricked_code_tokenizes_like_the_clean_code() -> None:
    clean = 'def average(marks):\n    print("total of the marks")\n    return sum(marks)\n'
    tricked = 'def average(marks):\n    \u0440rint("tot\u200bal of th\u0435 marks")\n    return sum(marks)\n'
    plain, folded = tokenize(code(clean)), tokenize(code(tricked))
    assert folded.symbols == plain.symbols and folded.literals == plain.literals
    assert folded.lines == plain.lines


# --- flags for characters -----------------------------------------------------------------------


def test_each_character_trick_is_flagged_with_its_count_and_first_line() -> None:
    text = "Intro line\nth\u0435 c\u043e\u0440y wa\u200bs made\nre\u00adport"
    invisible, homoglyphs = scan("answer.txt", text)
    assert (invisible.file, invisible.kind, invisible.count) == ("answer.txt", "invisible_characters", 2)
    assert "first on line 2" in invisible.detail and "soft hyphen ×1" in invisible.detail
    assert (homoglyphs.kind, homoglyphs.count) == ("homoglyphs", 3)
    assert "Cyrillic ×3" in homoglyphs.detail and "“c[\u043e][\u0440]y”" in homoglyphs.detail
    assert "U+043E, U+0440" in homoglyphs.detail


# --- hidden text in documents -------------------------------------------------------------------


def word_document(build: object) -> bytes:
    document = docx.Document()
    build(document)  # type: ignore[operator]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def hidden_flag(document: Document) -> tuple[int, str]:
    [flag] = [f for f in document.flags if f.kind == "hidden_text"]
    return flag.count, flag.detail


def test_white_tiny_and_hidden_word_runs_are_left_out_and_counted() -> None:
    def build(document: docx.document.Document) -> None:
        paragraph = document.add_paragraph("visible start ")
        paragraph.add_run("white words ").font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        paragraph.add_run("near white ").font.color.rgb = RGBColor(0xF2, 0xF2, 0xF2)
        paragraph.add_run("tiny words here ").font.size = Pt(2)
        paragraph.add_run("marked hidden ").font.hidden = True
        paragraph.add_run("page colour ").font.color.theme_color = MSO_THEME_COLOR.BACKGROUND_1
        paragraph.add_run("visible end")
        paragraph.add_run(" light grey stays").font.color.rgb = RGBColor(0x99, 0x99, 0x99)
        paragraph.add_run(" small stays").font.size = Pt(6)

    document = extract(Entry("report.docx", word_document(build)))
    assert document.text.split() == "visible start visible end light grey stays small stays".split()
    count, detail = hidden_flag(document)
    assert count == 11
    assert "white or near-background colour ×6" in detail and "2 pt or smaller ×3" in detail
    assert "marked hidden ×2" in detail


def test_a_style_that_hides_text_hides_it() -> None:
    def build(document: docx.document.Document) -> None:
        style = document.styles.add_style("Ghost", WD_STYLE_TYPE.CHARACTER)
        style.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        child = document.styles.add_style("Ghost child", WD_STYLE_TYPE.CHARACTER)
        child.base_style = style
        paragraph = document.add_paragraph("seen ")
        paragraph.add_run("unseen by style ", style="Ghost child")
        paragraph.add_run("seen again")

    document = extract(Entry("r.docx", word_document(build)))
    assert document.text.split() == ["seen", "seen", "again"]
    assert hidden_flag(document)[0] == 3


def test_white_text_on_a_dark_cell_or_paragraph_is_visible() -> None:
    def build(document: docx.document.Document) -> None:
        cell = document.add_table(rows=1, cols=1).cell(0, 0)
        cell._tc.get_or_add_tcPr().append(
            parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="1F3864"/>'))
        cell.paragraphs[0].add_run("white on navy").font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        paragraph = document.add_paragraph()
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="000000"/>'))
        paragraph.add_run("white on black").font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        paragraph = document.add_paragraph()
        paragraph.add_run("black on black").font.color.rgb = RGBColor(0, 0, 0)
        paragraph.runs[0]._r.get_or_add_rPr().append(
            parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="000000"/>'))

    document = extract(Entry("r.docx", word_document(build)))
    assert document.text.split("\n") == ["white on navy", "white on black"]
    assert hidden_flag(document)[0] == 3


def slides(build: object) -> bytes:
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    build(presentation, slide)  # type: ignore[operator]
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def test_hidden_slide_text_is_left_out_and_counted() -> None:
    def build(presentation: object, slide: object) -> None:
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(2))  # type: ignore[attr-defined]
        paragraph = box.text_frame.paragraphs[0]
        for word in ("one ", "two ", "three"):
            paragraph.add_run().text = word
            filler = paragraph.add_run()
            filler.text = "filler "
            filler.font.size = PptxPt(1)
        white = box.text_frame.add_paragraph().add_run()
        white.text = "white on white"
        white.font.color.rgb = PptxRGB(0xFF, 0xFF, 0xFF)
        width = presentation.slide_width  # type: ignore[attr-defined]
        away = slide.shapes.add_textbox(width + Inches(1), Inches(1), Inches(3), Inches(1))  # type: ignore[attr-defined]
        away.text_frame.text = "parked beside the slide"
        ghost = slide.shapes.add_textbox(Inches(1), Inches(4), Inches(3), Inches(1))  # type: ignore[attr-defined]
        ghost.text_frame.text = "a hidden shape"
        ghost._element.nvSpPr.cNvPr.set("hidden", "1")
        dark = slide.shapes.add_textbox(Inches(1), Inches(5), Inches(3), Inches(1))  # type: ignore[attr-defined]
        dark.fill.solid()
        dark.fill.fore_color.rgb = PptxRGB(0, 0, 0)
        run = dark.text_frame.paragraphs[0].add_run()
        run.text = "white on a black box"
        run.font.color.rgb = PptxRGB(0xFF, 0xFF, 0xFF)

    document = extract(Entry("talk.pptx", slides(build)))
    assert document.text.split() == "one two three white on a black box".split()
    count, detail = hidden_flag(document)
    assert count == 3 + 3 + 4 + 3
    assert "outside the page or slide ×4" in detail and "marked hidden ×3" in detail


def white_run(frame: object, text: str) -> None:
    run = frame.paragraphs[0].add_run()  # type: ignore[attr-defined]
    run.text = text
    run.font.color.rgb = PptxRGB(0xFF, 0xFF, 0xFF)


def test_white_text_on_a_dark_master_or_a_styled_table_is_visible() -> None:
    def build(presentation: object, slide: object) -> None:
        master = presentation.slide_master  # type: ignore[attr-defined]
        master.background.fill.solid()
        master.background.fill.fore_color.rgb = PptxRGB(0x10, 0x20, 0x40)
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1))  # type: ignore[attr-defined]
        white_run(box.text_frame, "white on the dark master")
        table = slide.shapes.add_table(1, 1, Inches(1), Inches(3), Inches(4), Inches(1)).table  # type: ignore[attr-defined]
        white_run(table.cell(0, 0).text_frame, "white in a styled header cell")

    document = extract(Entry("dark.pptx", slides(build)))
    assert document.text.split("\n") == ["white on the dark master", "white in a styled header cell"]
    assert document.flags == ()


def test_a_slide_background_of_its_own_decides_over_the_masters() -> None:
    def build(presentation: object, slide: object) -> None:
        presentation.slide_master.background.fill.solid()  # type: ignore[attr-defined]
        presentation.slide_master.background.fill.fore_color.rgb = PptxRGB(0, 0, 0)  # type: ignore[attr-defined]
        slide.background.fill.solid()  # type: ignore[attr-defined]
        slide.background.fill.fore_color.rgb = PptxRGB(0xFF, 0xFF, 0xFF)  # type: ignore[attr-defined]
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1))  # type: ignore[attr-defined]
        white_run(box.text_frame, "white on a white slide")

    document = extract(Entry("light.pptx", slides(build)))
    assert document.state is DocumentState.EMPTY
    assert [(f.kind, f.count) for f in document.flags] == [("hidden_text", 5)]


def test_white_slide_text_over_a_shape_drawn_before_it_is_visible() -> None:
    from pptx.enum.shapes import MSO_SHAPE

    def build(presentation: object, slide: object) -> None:
        band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(0), Inches(0), Inches(10), Inches(2))  # type: ignore[attr-defined]
        band.fill.solid()
        band.fill.fore_color.rgb = PptxRGB(0x20, 0x38, 0x64)
        over = slide.shapes.add_textbox(Inches(1), Inches(0.5), Inches(6), Inches(1))  # type: ignore[attr-defined]
        white_run(over.text_frame, "white title on the band")
        below = slide.shapes.add_textbox(Inches(1), Inches(4), Inches(6), Inches(1))  # type: ignore[attr-defined]
        white_run(below.text_frame, "white on the white slide")

    document = extract(Entry("band.pptx", slides(build)))
    assert document.text == "white title on the band"
    assert hidden_flag(document)[0] == 5


def test_a_slide_that_lost_its_layout_is_still_read() -> None:
    import re
    import zipfile

    def build(presentation: object, slide: object) -> None:
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(1))  # type: ignore[attr-defined]
        box.text_frame.text = "still read here"

    source = zipfile.ZipFile(io.BytesIO(slides(build)))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "ppt/slides/_rels/slide1.xml.rels":
                data = re.sub(rb"<Relationship [^>]*slideLayout[^>]*/>", b"", data)
            target.writestr(info, data)
    document = extract(Entry("damaged.pptx", damaged.getvalue()))
    assert document.state is DocumentState.OK and document.text == "still read here"


def text_box(fill: str) -> str:
    """A Word text box (DrawingML shape) holding one white run, with ``fill`` in its shape."""
    return (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<w:drawing><a:graphic><a:graphicData><wps:wsp><wps:spPr>' + fill + '</wps:spPr>'
        '<wps:txbx><w:txbxContent><w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr>'
        '<w:t>white words in a box</w:t></w:r></w:p></w:txbxContent></wps:txbx>'
        '</wps:wsp></a:graphicData></a:graphic></w:drawing></w:r>')


@pytest.mark.parametrize(("fill", "seen"), [
    ('<a:solidFill><a:srgbClr val="203864"/></a:solidFill>', True),  # a navy box
    ('<a:blipFill/>', True),  # a picture behind: not known, so not judged
    ("<a:noFill/>", False),  # on the white page
    ("", False),
])
def test_white_text_in_a_word_text_box_is_judged_on_the_box(fill: str, seen: bool) -> None:
    def build(document: docx.document.Document) -> None:
        paragraph = document.add_paragraph("before ")
        paragraph._p.append(parse_xml(text_box(fill)))

    document = extract(Entry("box.docx", word_document(build)))
    assert ("white words in a box" in document.text) is seen
    assert bool(document.flags) is not seen


def test_hidden_pdf_text_is_left_out_and_counted() -> None:
    s = tricks.pdf_string
    page = tricks.pdf_page([
        b"BT /F1 11 Tf 72 700 Td", s("shown first ") + b" Tj",
        b"1 1 1 rg", s("white words ") + b" Tj", b"0 g",
        b"/F1 1 Tf", s("tiny words ") + b" Tj", b"/F1 11 Tf",
        b"3 Tr", s("render mode three ") + b" Tj", b"0 Tr", b"ET",
        b"BT /F1 11 Tf 700 400 Td", s("off the page") + b" Tj ET",
        b"q 1 1 1 rg Q BT /F1 11 Tf 72 300 Td", s("black again after Q") + b" Tj ET",
    ])
    document = extract(Entry("report.pdf", page))
    assert document.text.split() == "shown first black again after Q".split()
    count, detail = hidden_flag(document)
    assert count == 2 + 2 + 3 + 3
    assert "invisible render mode ×3" in detail and "outside the page or slide ×3" in detail


def test_hidden_opendocument_text_is_left_out_and_counted() -> None:
    from odf.opendocument import OpenDocumentText
    from odf.style import Style, TableCellProperties, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P, Span

    document = OpenDocumentText()

    def style(name: str, family: str, *properties: object) -> None:
        found = Style(name=name, family=family)
        for item in properties:
            found.addElement(item)
        document.automaticstyles.addElement(found)

    style("Filler", "text", TextProperties(color="#ffffff", fontsize="1pt"))
    style("Gone", "text", TextProperties(display="none"))
    style("Pale", "paragraph", TextProperties(color="#fefefe"))
    style("Dark", "table-cell", TableCellProperties(backgroundcolor="#000000"))
    style("WhiteText", "text", TextProperties(color="#ffffff"))
    paragraph = P(text="shown words ")
    paragraph.addElement(Span(stylename="Filler", text="filler one "))
    paragraph.addText("shown again ")
    paragraph.addElement(Span(stylename="Gone", text="not displayed"))
    document.text.addElement(paragraph)
    document.text.addElement(P(stylename="Pale", text="a pale paragraph"))
    table = Table(name="T")
    table.addElement(TableColumn())
    row = TableRow()
    cell = TableCell(stylename="Dark")
    inside = P()
    inside.addElement(Span(stylename="WhiteText", text="white on a black cell"))
    cell.addElement(inside)
    row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    buffer = io.BytesIO()
    document.save(buffer)

    found = extract(Entry("report.odt", buffer.getvalue()))
    assert [line.split() for line in found.text.split("\n")] == [
        "shown words shown again".split(), "white on a black cell".split()]
    count, detail = hidden_flag(found)
    assert count == 2 + 2 + 3
    assert "marked hidden ×2" in detail and "2 pt or smaller ×2" in detail


def test_hidden_html_text_is_left_out_and_counted() -> None:
    page = b"""<html><body style="background: #ffffff">
    <p>shown words <span style="color:#fff; font-size:1px">filler one</span> shown again
    <span hidden>attribute hidden</span> <b style="display: none">display none</b>
    <i style="color: rgb(254, 254, 254)">near white</i></p>
    <div bgcolor="#000000"><span style="color: white">white on black stays</span></div>
    <p style="background: url(x.png)"><span style="color:#fff">unknown background stays</span></p>
    <p style="font-size: 12px">normal size stays</p></body></html>"""
    document = extract(Entry("page.html", page))
    assert document.text.split("\n") == [
        "shown words shown again", "white on black stays", "unknown background stays",
        "normal size stays"]
    count, detail = hidden_flag(document)
    assert count == 8
    assert "marked hidden ×4" in detail and "2 pt or smaller ×2" in detail


def test_white_pdf_text_on_a_painted_box_or_picture_is_visible() -> None:
    s = tricks.pdf_string
    page = tricks.pdf_page([
        b"q 0 0 0.4 rg 50 600 500 150 re f Q",  # a navy band, as on a slide exported as PDF
        b"BT /F1 14 Tf 1 1 1 rg 72 700 Td", s("white title on the band") + b" Tj ET",
        b"q 1 1 1 rg 50 400 500 100 re f Q",  # a white box hides nothing
        b"BT /F1 14 Tf 1 1 1 rg 72 450 Td", s("white on white box") + b" Tj ET",
        b"q 200 0 0 100 50 100 cm /Im1 Do Q",  # a picture
        b"BT /F1 14 Tf 1 1 1 rg 72 150 Td", s("white on a picture") + b" Tj ET",
    ])
    document = extract(Entry("slides.pdf", page))
    assert [line.strip() for line in document.text.split("\n") if line.strip()] == [
        "white title on the band", "white on a picture"]
    assert hidden_flag(document)[0] == 4


def test_white_word_text_is_not_judged_over_a_drawing_behind_the_text() -> None:
    anchor = (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        '<w:drawing><wp:anchor behindDoc="1"/></w:drawing></w:r>')

    def build(document: docx.document.Document) -> None:
        paragraph = document.add_paragraph()
        paragraph._p.append(parse_xml(anchor))
        paragraph.add_run("white title over the cover picture").font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        paragraph.add_run(" tiny filler").font.size = Pt(1)

    document = extract(Entry("cover.docx", word_document(build)))
    assert document.text.strip() == "white title over the cover picture"
    assert hidden_flag(document)[0] == 2


def test_a_document_whose_only_text_is_hidden_is_empty_and_flagged() -> None:
    data = tricks.docx_with_filler("", None)
    document = docx.Document(io.BytesIO(data))
    document.add_paragraph().add_run("all of it hidden").font.hidden = True
    buffer = io.BytesIO()
    document.save(buffer)
    found = extract(Entry("r.docx", buffer.getvalue()))
    assert found.state is DocumentState.EMPTY
    assert [(f.kind, f.count) for f in found.flags] == [("hidden_text", 4)]


# --- the tricks no longer hide a copy -----------------------------------------------------------

SOURCE = PROSE_SOURCE_MD
_PARAGRAPHS = [p for p in SOURCE.split("\n\n") if p.strip() and not p.startswith("#")]
# A copied answer: half the source report, then three paragraphs of the student's own.
COPY = "\n\n".join(_PARAGRAPHS[: len(_PARAGRAPHS) // 2] + PROSE_INDEPENDENT_PARAGRAPHS[:3])
FILLER = " ".join(pdf_report_b_paragraphs()).split()


def copy_score(tmp_path: Path, name: str, data: bytes) -> tuple[float, list[dict[str, object]]]:
    """The similarity of the copy with its source in a cohort of four, and the copy's flags."""
    cohort = {
        "source": {"REPORT.md": SOURCE.encode()},
        "copy": {name: data},
        "other": {"notes.txt": "\n\n".join(PROSE_INDEPENDENT_PARAGRAPHS[3:]).encode()},
        "third": {"manual.txt": "\n\n".join(pdf_report_b_paragraphs()).encode()},
    }
    paths = []
    for student, files in cohort.items():
        folder = tmp_path / name / student
        folder.mkdir(parents=True)
        for file, content in files.items():
            (folder / file).write_bytes(content)
        paths.append(folder)
    report = check(paths)
    [pair] = [p for p in report.pairs if {p.a, p.b} == {"copy", "source"}] or [None]
    [summary] = [s for s in report.submissions if s.id == "copy"]
    return (pair.similarity if pair else 0.0), list(summary.flags)


@pytest.mark.parametrize(("trick", "kind"), [
    (tricks.zero_width_spaces, "invisible_characters"),
    (tricks.soft_hyphens, "invisible_characters"),
    (tricks.cyrillic_lookalikes, "homoglyphs"),
])
def test_a_character_trick_scores_like_the_plain_copy_and_is_flagged(
        tmp_path: Path, trick: object, kind: str) -> None:
    plain, plain_flags = copy_score(tmp_path, "answer.txt", COPY.encode())
    tricked, flags = copy_score(tmp_path / "t", "answer.txt", trick(COPY).encode())  # type: ignore[operator]
    assert plain >= 0.9 and plain_flags == []
    assert abs(tricked - plain) <= 0.1
    assert [(f["file"], f["kind"]) for f in flags] == [("answer.txt", kind)]
    assert int(flags[0]["count"]) > 100  # type: ignore[call-overload]


# A short answer: the source's last paragraph, and its light paraphrase handed in as the copy.
SHORT_SOURCE = _PARAGRAPHS[-1]
SHORT_COPY = PROSE_PARAPHRASE_PARAGRAPHS[-1]


def short_score(tmp_path: Path, name: str, data: bytes) -> tuple[float, list[dict[str, object]]]:
    """The similarity of a short copied answer with its source, beside one unrelated answer."""
    paths = []
    for student, file, content in (("source", "answer.txt", SHORT_SOURCE.encode()),
                                   ("copy", name, data),
                                   ("other", "notes.txt", "\n\n".join(PROSE_INDEPENDENT_PARAGRAPHS).encode())):
        folder = tmp_path / name / student
        folder.mkdir(parents=True)
        (folder / file).write_bytes(content)
        paths.append(folder)
    report = check(paths)
    pair = next((p for p in report.pairs if {p.a, p.b} == {"copy", "source"}), None)
    [summary] = [s for s in report.submissions if s.id == "copy"]
    return (pair.similarity if pair else 0.0), list(summary.flags)


@pytest.mark.parametrize(("name", "build"), [
    ("answer.docx", tricks.docx_with_filler), ("answer.pdf", tricks.pdf_with_filler)])
def test_white_one_point_filler_scores_like_the_plain_copy_and_is_flagged(
        tmp_path: Path, name: str, build: object) -> None:
    """Three filler words after every word took a short copied answer from 1.0 to 0.45."""
    plain, plain_flags = short_score(tmp_path, name, build(SHORT_COPY))  # type: ignore[operator]
    padded, flags = short_score(tmp_path / "t", name, build(SHORT_COPY, FILLER, 3))  # type: ignore[operator]
    assert plain >= 0.9 and plain_flags == []
    assert abs(padded - plain) <= 0.1
    words = 3 * len(SHORT_COPY.split())
    assert [(f["file"], f["kind"], f["count"]) for f in flags] == [(name, "hidden_text", words)]


def test_flags_are_in_the_json_and_the_same_bytes_every_run(tmp_path: Path) -> None:
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "b.txt").write_text(tricks.cyrillic_lookalikes(COPY))
    (folder / "a.docx").write_bytes(tricks.docx_with_filler(tricks.zero_width_spaces(COPY), FILLER))
    other = tmp_path / "z"
    other.mkdir()
    (other / "notes.md").write_text(SOURCE)
    first, second = check([folder, other]).to_json(), check([folder, other]).to_json()
    assert first == second
    report = check([folder, other]).to_dict()
    flags = report["submissions"][0]["flags"]
    assert [(f["file"], f["kind"]) for f in flags] == [
        ("a.docx", "hidden_text"), ("a.docx", "invisible_characters"), ("b.txt", "homoglyphs")]
    assert report["submissions"][1]["flags"] == []


def test_hidden_html_inside_hidden_html_is_counted_once() -> None:
    page = b"""<html><body><p>the visible words of this page</p>
    <div style="display:none">one two <span hidden>three four</span> five</div></body></html>"""
    document = extract(Entry("page.html", page))
    assert document.text == "the visible words of this page"
    count, detail = hidden_flag(document)
    assert count == 5 and "marked hidden ×5" in detail
