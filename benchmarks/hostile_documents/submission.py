"""What the hostile-document generators put a document in: a submission ZIP with a small program
of the student's own beside it, so that a submission whose document is left unread still has
something to compare (and the probe shows the rest was checked)."""

import zipfile

MAIN = b"def main():\n    total = 0\n    for i in range(10):\n        total += i * i\n    print(total)\n\nmain()\n"


def write(path: str, files: list[tuple[str, bytes]], method: int = zipfile.ZIP_STORED) -> None:
    """A ZIP at ``path`` holding ``main.py`` and ``files`` (name, bytes), in that order."""
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("main.py", MAIN)
        for name, data in files:
            archive.writestr(name, data)
