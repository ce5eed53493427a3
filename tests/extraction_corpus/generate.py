"""Writes the corpus: one .eml per mail under eml/ and expectations.json beside it.

The mails are written by hand in mails_a/b/c.py (from the shape of real services' mails);
this script only serialises them, so the .eml files and expectations stay in step. Run it
after editing a mail: `python tests/extraction_corpus/generate.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import mails_a
import mails_b
import mails_c
import mails_d
from mailspec import build

MAILS = mails_a.MAILS + mails_b.MAILS + mails_c.MAILS
HELD_OUT = mails_d.MAILS  # written after the extractor was tuned on the others
ALL = MAILS + HELD_OUT


def main() -> None:
    out = HERE / "eml"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.eml"):
        old.unlink()
    expectations = []
    for mail in ALL:
        (out / f"{mail.id}.eml").write_bytes(build(mail))
        expectations.append(
            {"file": f"eml/{mail.id}.eml", "lang": mail.lang, "kind": mail.kind, "code": mail.code,
             "verification_link": mail.link, "encoding": mail.cte or "8bit/7bit",
             "parts": "text+html" if mail.text and mail.html else ("html" if mail.html else "text"),
             "held_out": mail in HELD_OUT}
        )
    (HERE / "expectations.json").write_text(json.dumps(expectations, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(ALL)} mails written to {out}")


if __name__ == "__main__":
    main()
