"""The audit's hostile documents (7 Dec 2026), each in a submission beside a small main.py:
docx_huge / odt_huge (an XML part inflating to 190 / 140 MB) and html_deep_10 (ten 870 KB
pages of unclosed nested <b><i>). usage: make_audit.py OUTDIR"""
import io, os, sys, zipfile
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from fixtures.documents import make_docx, make_odt
from submission import write
out = sys.argv[1]
os.makedirs(out, exist_ok=True)

def wrap(name, files, method=zipfile.ZIP_STORED):
    write(os.path.join(out, name + ".zip"), files, method)

def rezip(data, replace):
    src = zipfile.ZipFile(io.BytesIO(data)); buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in src.infolist():
            zf.writestr(i.filename, replace.get(i.filename, src.read(i.filename)))
    return buf.getvalue()

n = 2_500_000
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
para = "<w:p><w:r><w:t>lorem ipsum dolor sit amet consectetur</w:t></w:r></w:p>"
body = f'<?xml version="1.0"?><w:document {W}><w:body>' + para * n + "</w:body></w:document>"
wrap("docx_huge", [("report.docx", rezip(make_docx(["Hello world paragraph one."]), {"word/document.xml": body}))])
odt = make_odt(["Hello odt paragraph"])
content = zipfile.ZipFile(io.BytesIO(odt)).read("content.xml").decode()
i = content.find("<text:p")
big = content[:i] + "<text:p>lorem ipsum dolor sit amet consectetur</text:p>" * n + content[i:]
wrap("odt_huge", [("report.odt", rezip(odt, {"content.xml": big}))])
page = b"<html><body>" + b"<b><i>" * 145_000 + b"hello text"
wrap("html_deep_10", [(f"page{k}.html", page) for k in range(10)], zipfile.ZIP_DEFLATED)
print("written to", out)
