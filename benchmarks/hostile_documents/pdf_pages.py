"""A submission holding a PDF of PAGES pages, each showing STREAM_MB of Flate-compressed text
operators: one stream a page (the worst a PDF may cost under the extractor's caps), or with
--shared one stream every page shows (the audit's bomb: a few KB that inflate to megabytes on
every page).
usage: pdf_pages.py OUT.zip PAGES STREAM_MB [--shared]"""

import io
import sys
import zlib

from submission import write

_RESOURCES = b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def page(contents: int) -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R %s >>" % (contents, _RESOURCES)


def stream(operators: bytes) -> bytes:
    packed = zlib.compress(operators, 9)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"


def pages_object(kids: list[int]) -> bytes:
    return f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()


def pdf(objects: list[bytes]) -> bytes:
    """Objects 1, 2, ... in order, with their cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    start = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{start}\n%%EOF\n".encode())
    return out.getvalue()


def shared(pages: int, megabytes: float) -> list[bytes]:
    operators = b"BT /F1 12 Tf 72 720 Td (lorem ipsum dolor sit amet) Tj ET\n"
    return ([b"<< /Type /Catalog /Pages 2 0 R >>", pages_object([4 + i for i in range(pages)]),
             stream(operators * int(megabytes * 1_000_000 // 56))] + [page(3)] * pages)


def distinct(pages: int, megabytes: float) -> list[bytes]:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", pages_object([3 + 2 * i for i in range(pages)])]
    for i in range(pages):
        operators = b"BT /F1 12 Tf 72 720 Td (lorem ipsum dolor sit amet %d) Tj ET\n" % i
        objects += [page(4 + 2 * i), stream(operators * int(megabytes * 1_000_000 // 60))]
    return objects


if __name__ == "__main__":
    out_zip, count, size = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    document = pdf((shared if "--shared" in sys.argv[4:] else distinct)(count, size))
    write(out_zip, [("report.pdf", document)])
    print(out_zip, len(document), "bytes of PDF")
