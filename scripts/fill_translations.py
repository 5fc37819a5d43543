"""Write translations into the catalogs from a small Python mapping file.

    python scripts/fill_translations.py translations.py
    python scripts/fill_translations.py translations.py example_site/translations   # another catalog

The mapping file defines ``TRANSLATIONS = {"it": {msgid: msgstr}, "ca": {...}}``;
a message with a context (``pgettext``) is keyed ``(context, msgid)``; a plural one by its
singular msgid, with a tuple of forms. Existing translations are replaced only for the
messages it names.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGS = Path(__file__).resolve().parent.parent / "flask_citizencare" / "translations"


def main(path: str, catalogs: Path = CATALOGS) -> None:
    table = runpy.run_path(path)["TRANSLATIONS"]
    for language, strings in table.items():
        po = catalogs / language / "LC_MESSAGES" / "messages.po"
        with open(po, "rb") as fh:
            catalog = read_po(fh, locale=language)
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if message.context:
                key = (message.context, key)
            if key and key in strings:
                message.string = strings[key]
                message.flags.discard("fuzzy")
        with open(po, "wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False)


if __name__ == "__main__":
    main(sys.argv[1], *(Path(folder) for folder in sys.argv[2:3]))
