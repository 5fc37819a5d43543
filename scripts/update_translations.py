"""Extract messages, update the it/en/ca catalogs, and list what is still untranslated.

python scripts/update_translations.py          # extract + update + report
python scripts/update_translations.py --check  # exit 1 if it/ca miss a translation
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "flask_citizencare" / "translations"
MUST_TRANSLATE = ("it", "ca")


def missing(language: str) -> list[str]:
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    return [
        str(m.id)
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
    ]


def extract(output: Path) -> None:
    """Extract every translatable message of the sources into the template ``output``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "_lp:1c,2",
            "-k",
            "lazy_pgettext:1c,2",
            "--no-location",
            "--project",
            "flask-citizencare",
            "-o",
            str(output),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def main() -> int:
    if "--check" not in sys.argv:
        pybabel = [sys.executable, "-m", "babel.messages.frontend"]
        extract(CATALOGS / "messages.pot")
        subprocess.run(
            [
                *pybabel,
                "update",
                "--no-fuzzy-matching",
                "-i",
                str(CATALOGS / "messages.pot"),
                "-d",
                str(CATALOGS),
            ],
            cwd=ROOT,
            check=True,
        )
    status = 0
    for language in MUST_TRANSLATE:
        for msgid in missing(language):
            print(f"{language}: untranslated: {msgid!r}")
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
