"""A long, real-looking Word report: N pages of about 3,000 characters, paragraphs and runs
marked up as Word writes them (rsids, paragraph and run properties, proofing marks), a table
every 5 pages, headings; OUT.zip: a submission holding it as report.docx beside a main.py.
usage: long_report.py OUT.docx|OUT.zip PAGES"""
import io, random, sys, zipfile
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from fixtures.documents import make_docx
out, pages = sys.argv[1], int(sys.argv[2])
random.seed(7)
WORDS = ("the algorithm complexity sorting results table figure method analysis data "
         "experiment measured performance memory we observe that this shows which from "
         "implementation array list tree graph node edge weight cost model student report").split()
def sentence():
    return " ".join(random.choice(WORDS) for _ in range(random.randint(8, 20))).capitalize() + "."
def rsid():
    return "00%06X" % random.randint(0, 0xFFFFFF)
RPR = '<w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/><w:sz w:val="22"/><w:lang w:val="en-GB"/></w:rPr>'
def para(text, style=None):
    ppr = (f'<w:pPr><w:pStyle w:val="{style}"/>' if style else '<w:pPr>') + \
        '<w:spacing w:after="120" w:line="276" w:lineRule="auto"/><w:jc w:val="both"/>' + RPR + '</w:pPr>'
    runs, words = [], text.split(" ")
    while words:  # Word splits a paragraph into runs at every edit session and proofing mark
        k = random.randint(3, 15)
        chunk, words = " ".join(words[:k]), words[k:]
        runs.append(f'<w:r w:rsidRPr="{rsid()}">{RPR}<w:t xml:space="preserve">{chunk}{" " if words else ""}</w:t></w:r>')
        if random.random() < 0.1:
            runs.append('<w:proofErr w:type="spellStart"/>')
    return f'<w:p w14:paraId="{rsid()[2:]}AB" w14:textId="77777777" w:rsidR="{rsid()}" w:rsidRDefault="{rsid()}" w:rsidP="{rsid()}">{ppr}{"".join(runs)}</w:p>'
def table():
    rows = "".join("<w:tr>" + "".join(f'<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>{para(" ".join(random.choice(WORDS) for _ in range(3)))}</w:tc>' for _ in range(4)) + "</w:tr>" for _ in range(8))
    return f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>{rows}</w:tbl>'
body = []
for page in range(pages):
    if page % 10 == 0:
        body.append(para(f"Chapter {page // 10 + 1}: " + sentence(), "Heading1"))
    chars = 0
    while chars < 3000:
        text = " ".join(sentence() for _ in range(random.randint(3, 6)))
        body.append(para(text)); chars += len(text)
    if page % 5 == 4:
        body.append(table())
W = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
     'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"')
xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{"".join(body)}<w:sectPr/></w:body></w:document>'
base = make_docx(["x"])
src = zipfile.ZipFile(io.BytesIO(base)); buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
    for info in src.infolist():
        zf.writestr(info.filename, xml if info.filename == "word/document.xml" else src.read(info.filename))
if out.endswith(".zip"):
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("main.py", "def main():\n    return sum(i * i for i in range(10))\n")
        zf.writestr("report.docx", buf.getvalue())
else:
    open(out, "wb").write(buf.getvalue())
print(out, pages, "pages:", len(buf.getvalue()), "bytes zipped,", len(xml.encode()), "bytes of document.xml")
