"""Digests of everything extraction says about each corpus mail and the two bench mails.

`tests/test_extraction_golden.py` checks them, so a change meant to be a pure speed-up
cannot change a result unnoticed. After a change that is *meant* to change results (and is
scored by the corpus tests), rewrite them: `.venv/bin/python tests/extraction_corpus/golden.py`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
GOLDEN = HERE / "golden.json"
KEYS = ("codes", "code_details", "rejected_codes", "links", "link_details")


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:24]


def current_digests() -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import extraction as bench_mails
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from dustmail_lite.extraction import extract
    from dustmail_lite.mime import parse_message

    digests = {}
    for path in sorted((HERE / "eml").glob("*.eml")):
        details = parse_message(path.read_bytes()).details
        digests[path.stem] = _digest(
            {key: details[key] for key in KEYS} | {"text": parse_message(path.read_bytes()).text}
        )
    for name, row in (("typical", bench_mails.TYPICAL_ROW), ("dense", bench_mails.ROW)):
        result = extract("Confirm", "", bench_mails.html_of_size(100 * 1024, row))
        digests[f"bench-{name}"] = _digest(result.as_details() | {"text": result.html_text})
    return digests


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(current_digests(), indent=1, sort_keys=True) + "\n")
    print("wrote", GOLDEN)
