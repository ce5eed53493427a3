"""The extraction corpus (tests/extraction_corpus): every mail over real SMTP, read back from the
API, scored against its expectations with the issue's floors."""

from __future__ import annotations

import sys
from pathlib import Path

CORPUS = Path(__file__).parent / "extraction_corpus"
sys.path.insert(0, str(CORPUS))

import generate
from mailspec import build
from score import Score, expectations, score_one


def test_eml_files_are_the_written_mails():
    """The .eml files and expectations.json are exactly what the mail sources say (no hand edits)."""
    listed = expectations()
    assert len(listed) == len(generate.ALL) >= 120
    assert len({m.lang for m in generate.ALL}) >= 20
    for mail, expected in zip(generate.ALL, listed):
        assert (CORPUS / expected["file"]).read_bytes() == build(mail), mail.id
        assert expected["code"] == mail.code and expected["verification_link"] == mail.link


def test_corpus_is_varied():
    mails = generate.ALL
    kinds = {m.kind for m in mails}
    assert {"signup", "signin", "2fa", "reset", "magic", "newsletter", "receipt", "shipping"} <= kinds
    encodings = {m.cte for m in mails}
    assert {None, "quoted-printable", "base64"} <= encodings
    assert any(m.text is None for m in mails) and any(m.html is None for m in mails)
    assert sum(m.code is None and m.link is None for m in mails) >= 30  # negatives


def test_corpus_scores_over_real_smtp(harness, capsys):
    key = harness.key("corpus", "premium")
    inbox = harness.create_inbox(key)
    score = Score()
    last = None
    for expected in expectations():
        harness.send_raw(inbox["email"], (CORPUS / expected["file"]).read_bytes())
        params = {"timeout": 5, **({"after": last} if last else {})}
        data = harness.http.get(f"/api/v1/inbox/{inbox['id']}/wait", params=params,
                                headers=harness.auth(key)).json()["data"]
        assert data is not None, expected["file"]
        last = data["id"]
        score_one(score, expected, data)
        for detail in data["code_details"] + data["link_details"]:
            assert 0 <= detail["confidence"] <= 1
        assert [c["value"] for c in data["code_details"]] == data["codes"]
        assert [link["url"] for link in data["link_details"]] == data["links"][:50]
    with capsys.disabled():
        print("\n" + score.summary())
    assert score.mails >= 120
    assert score.top_code_accuracy >= 0.98, score.misses
    assert score.false_code_rate <= 0.02, score.misses
    assert score.top_link_accuracy >= 0.98, score.misses
