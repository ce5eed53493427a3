"""Scores the extractor on the corpus: `python tests/extraction_corpus/score.py [-v]`.

Parses every .eml with `dustmail_lite.mime.parse_message` (what SMTP ingest does) and compares
the top code and the top verification link with expectations.json.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass
class Score:
    mails: int = 0
    with_code: int = 0
    top_code_right: int = 0
    codes_offered: int = 0
    offered_right: int = 0
    negatives: int = 0
    false_codes: int = 0
    with_link: int = 0
    top_link_right: int = 0
    without_link: int = 0
    false_links: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top_code_accuracy(self) -> float:
        return self.top_code_right / self.with_code

    @property
    def code_precision(self) -> float:
        return self.offered_right / self.codes_offered if self.codes_offered else 1.0

    @property
    def false_code_rate(self) -> float:
        return self.false_codes / self.negatives

    @property
    def top_link_accuracy(self) -> float:
        return self.top_link_right / self.with_link

    @property
    def false_link_rate(self) -> float:
        return self.false_links / self.without_link

    def summary(self) -> str:
        return (
            f"{self.mails} mails: top code right {self.top_code_right}/{self.with_code} "
            f"({self.top_code_accuracy:.1%}); code precision {self.offered_right}/{self.codes_offered} "
            f"({self.code_precision:.1%}); false codes on negatives {self.false_codes}/{self.negatives} "
            f"({self.false_code_rate:.1%}); top verification link right {self.top_link_right}/{self.with_link} "
            f"({self.top_link_accuracy:.1%}); false verification links {self.false_links}/{self.without_link} "
            f"({self.false_link_rate:.1%})"
        )


def expectations() -> list[dict[str, Any]]:
    return json.loads((HERE / "expectations.json").read_text())


def top_verification_link(details: dict[str, Any]) -> str | None:
    if "link_details" in details:
        for link in details["link_details"]:
            if link["kind"] == "verification":
                return str(link["url"])
        return None
    links = details.get("links") or []  # before link kinds existed: the first link
    return links[0] if links else None


def score_one(score: Score, expected: dict[str, Any], details: dict[str, Any]) -> None:
    name = expected["file"]
    codes = details.get("codes") or []
    top = codes[0] if codes else None
    score.mails += 1
    if top is not None:
        score.codes_offered += 1
        score.offered_right += top == expected["code"]
    if expected["code"] is None:
        score.negatives += 1
        if top is not None:
            score.false_codes += 1
            score.misses.append(f"{name}: false code {top!r}")
    else:
        score.with_code += 1
        if top == expected["code"]:
            score.top_code_right += 1
        else:
            score.misses.append(f"{name}: code {top!r}, expected {expected['code']!r} (all: {codes})")
    link = top_verification_link(details)
    if expected["verification_link"] is None:
        score.without_link += 1
        if link is not None:
            score.false_links += 1
            score.misses.append(f"{name}: false verification link {link}")
    else:
        score.with_link += 1
        if link == expected["verification_link"]:
            score.top_link_right += 1
        else:
            score.misses.append(f"{name}: link {link}, expected {expected['verification_link']}")


def score_corpus(held_out: bool | None = None) -> Score:
    """All mails, or only the held-out ones (True), or only the tuning set (False)."""
    from dustmail_lite.mime import parse_message

    score = Score()
    for expected in expectations():
        if held_out is not None and expected["held_out"] != held_out:
            continue
        email = parse_message((HERE / expected["file"]).read_bytes())
        score_one(score, expected, email.details)
    return score


if __name__ == "__main__":
    for name, part in (("tuning set (A-C)", False), ("held-out set (D)", True), ("all", None)):
        result = score_corpus(part)
        print(f"{name}: {result.summary()}")
        if "-v" in sys.argv:
            print("\n".join(result.misses))
