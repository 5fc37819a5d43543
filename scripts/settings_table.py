"""Print the README's configuration table from flask_citizencare.config.SETTINGS.

python scripts/settings_table.py            # print it
python scripts/settings_table.py --write    # replace the table in README.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask_citizencare.config import PREFIX, SETTINGS

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"


def table() -> str:
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for name, setting in SETTINGS.items():
        default = repr(setting.default).replace("|", "\\|")
        if len(default) > 40:
            default = default[:37] + "..."
        rows.append(f"| `{PREFIX}{name}` | `{default}` | {setting.help.replace('|', '/')} |")
    return "\n".join(rows)


def main() -> None:
    if "--write" in sys.argv:
        text = README.read_text()
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        README.write_text(f"{head}{BEGIN}\n{table()}\n{END}{tail}")
    else:
        print(table())


if __name__ == "__main__":
    main()
