"""Does the extraction engine give the same results as at another revision?

`.venv/bin/python bench/extraction_compare.py main` runs both engines on: every mail of
tests/extraction_corpus and tests/corpus.py, the two bench mails (100 KB, and 1.2 MB so the
flat tokenizer reads them), and seeded random mails built from link, text and markup pieces
that exercise the corner cases (tracking hosts, redirect parameters, percent escapes valid,
invalid and non-ASCII, cue words, images in anchors, block tags in odd cases). It compares
`as_details()` and the HTML text, plus `unwrap`, `is_tracking` and `parse_html` directly, and
exits non-zero at the first difference. For a change meant to be a pure speed-up.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests"), str(ROOT / "tests" / "extraction_corpus")]

import extraction as bench_mails
import extraction_revision

from dustmail_lite import extraction as current
from dustmail_lite import mime


def mail_inputs() -> list[tuple[str, str, str, str]]:
    """(name, subject, text, html) as ingest hands them to `extract`."""
    import corpus
    import generate
    from mailspec import build

    captured: list[tuple[str, str, str, str]] = []
    real_extract = mime.extract

    def capture(subject: str, text: str, html: str):  # type: ignore[no-untyped-def]
        captured.append((name, subject, text, html))
        return real_extract(subject, text, html)

    mime.extract = capture  # type: ignore[assignment]
    try:
        for mail in generate.ALL:
            name = mail.id
            mime.parse_message(build(mail))
        for case in corpus.CASES:
            name = case.name
            mime.parse_message(corpus.build(case, "u@dustmail.localhost"))
    finally:
        mime.extract = real_extract  # type: ignore[assignment]
    for size in (100 * 1024, 1200 * 1024):
        for row_name, row in (("typical", bench_mails.TYPICAL_ROW), ("dense", bench_mails.ROW)):
            captured.append((f"bench-{row_name}-{size}", "Confirm", "", bench_mails.html_of_size(size, row)))
    return captured


# fmt: off
HOSTS = [
    "shop.example", "click.shop.example", "links.e.example.com", "u123.ct.sendgrid.net", "x.us1.list-manage.com",
    "r.example", "www.example.org", "EXAMPLE.com", "user@click.x.example:8080", "go.example", "t.example",
    "mandrillapp.com", "a.b.c.awstrack.me", "eu.safelinks.protection.outlook.com", "[::1]", "例え.example",
    "email.mg.example", "track.example", "Trk.Example.Co", "sendgrid.net", "e.example",
]
PATHS = [
    "", "/", "/ls/click", "/c/abc", "/p/1", "/verify", "/auth/magic", "/logo.png", "/unsubscribe", "/wf/click",
    "/a%20b", "/track/click", "/reset-password/AbC123xyz", "/x.jpg", "/CL0/https:%2F%2Fx.example/1/abc",
    "/r/", "/t/ZZ", "/l/ABCDEF12", "/e3t/Ctc/x", "/ss/c/abc", "/redirect", "/out", "/away", "/Confirm/Å",
    "/opt-out", "/account/activate/7f3e9a1b2c", "/magic-link/QWERTYuiop", "/style.css", "/font.woff2",
    "/verify/" + "a" * 25, "/p/UPPERlower", "/login", "/abmelden", "/news/2026/04/spring",
    "/LS/Click", "/Track/CLICK", "/ſs/c/x", "/Wf/Open", "/c?",
]
NAMES = ["url", "u", "q", "redirect", "redirect_uri", "target", "dest", "link", "to", "r", "goto", "href", "next",
         "URL", "Url", "upn", "token", "id", "utm_source", "utm_campaign", "k", "t", "email", "code", "x",
         "redirect_URI", "Urı", "İd", "DEST", "deſt", "linK", ""]
TOKENS = ["abc123DEF", "d41d8cd98f00", "1", "hello", "AbCdEf", "ZZZZZZZZZZZZZZZZZZZZZZZZ", "", "2026-04-01",
          "%C3%A9t%C3%A9", "%zz", "%2", "%", "a+b", "caf%E9", "%41%42%43", "%2541", "x%20y", "%F0%9F%98%80", "é"]
TEXTS = ["Product", "", "Confirm your email", "Verify", "Unsubscribe", "Se désinscrire", "Reset password",
         "Log in", "Shop now", "Passwort zurücksetzen", "ПОДТВЕРДИТЬ", "確認する", "İSTANBUL", "Sign in to Acme",
         "View in browser", "opt out", "Facebook", "logo", "Get started", "confirmation", "code", "Ünsubscribe",
         "Zaloguj się", "Manage preferences", "Aktivieren Sie Ihr Konto", "activate", "xác nhận"]
BLOCKS = ["p", "div", "br", "tr", "td", "li", "h2", "table", "P", "DiV", "ſection", "dİv", "blockquote",
          "hr", "center", "dd", "tbody", "span", "b", "font", "section", "TH", "ul", "pre", "headers", "pi",
          "bloc\u212aquote", "dıv", "P\u0130", "tbodyx"]
# fmt: on


def random_url(rng: random.Random, depth: int = 0) -> str:
    scheme = rng.choice(["https", "http", "HTTPS", "Http", "ftp"] if depth else ["https", "http", "HTTPS"])
    url = f"{scheme}://{rng.choice(HOSTS)}{rng.choice(PATHS)}"
    params = []
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        value = rng.choice(TOKENS)
        if depth < 2 and rng.random() < 0.5:
            inner = random_url(rng, depth + 1)
            value = rng.choice(
                [
                    quote(inner, safe=""),
                    inner,
                    quote(inner, safe=":/"),
                    quote(inner, safe="/"),
                    inner.replace(":", "%3a"),
                    quote(inner, safe="").replace("%20", "+"),
                    " " + quote(inner, safe=""),
                ]
            )
        params.append(f"{rng.choice(NAMES)}={value}")
    if params:
        url += "?" + "&".join(params)
    if rng.random() < 0.2:
        url += "#" + rng.choice(
            TOKENS + ["section", "token=AbC123xyz9", "f?url=" + quote(random_url(rng, 2), safe="")]
        )
    return url


def random_html(rng: random.Random) -> str:
    parts = ["<html><body>"]
    for _ in range(rng.randint(1, 60)):
        roll = rng.random()
        tag = rng.choice(BLOCKS)
        if roll < 0.45:
            href = rng.choice(
                [random_url(rng), random_url(rng), "/relative", "mailto:a@b.example", "  " + random_url(rng)]
            )
            inner = rng.choice(TEXTS)
            if rng.random() < 0.4:
                alt = rng.choice(TEXTS)
                image = f"<img src='{random_url(rng)}' alt='{alt}'>"
                inner = rng.choice(
                    [
                        image,
                        f"<span><b>{image}</b></span>",
                        f"<div>{inner}</div>{image}",
                        image + inner,
                        "<span></span>" * rng.randint(20, 40) + image,
                        f"<svg><img alt='{alt}'></svg>",
                        f"<math><mi>{image}</mi></math>",
                        "<i> </i>" * 40,
                    ]
                )
            parts.append(f'<{tag}><a href="{href.replace(chr(34), "&quot;")}">{inner}</a></{tag}>')
        elif roll < 0.8:
            parts.append(
                f"<{tag}>{rng.choice(TEXTS)} {rng.choice(['', 'code 482913', 'Order 77120', '<b>K7P-2QX</b>'])}</{tag}>"
            )
        else:
            parts.append(
                rng.choice(
                    [
                        "<!-- c -->",
                        "<style>p{}</style>",
                        "<script>x</script>",
                        "\n",
                        "&nbsp;",
                        "\u200b",
                        "\x07",
                        "&#7;",
                        "&#x0E000;",
                        "\ue000",
                        "&#0000007",
                        "&#57344;",
                        "&#x7a;",
                        "<a href='https://x.example/a<p>b'><img alt='a<div>b'></a>",
                        "<p title='<td>'>t</p>",
                    ]
                )
            )
    return "".join(parts) + "</body></html>"


def random_text(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(0, 12)):
        words = " ".join(rng.choice(TEXTS) for _ in range(rng.randint(0, 3)))
        url = random_url(rng)
        lines.append(
            rng.choice([f"{words}: {url}", url, f"({url})", f"{words} <{url}>.", words, "", f"{url}, {url}"])
        )
    return "\n".join(lines)


def _document(document) -> tuple:  # type: ignore[no-untyped-def]
    return document.text, [(a.href, a.text, a.image_only) for a in document.anchors]


def differences(old, inputs) -> int:  # type: ignore[no-untyped-def]
    for name, subject, text, html in inputs:
        a, b = old.extract(subject, text, html), current.extract(subject, text, html)
        if a.as_details() != b.as_details() or a.html_text != b.html_text:
            print("DIFFERENT:", name)
            for key, value in a.as_details().items():
                if b.as_details()[key] != value:
                    print(" ", key, "\n    old:", value[:3], "\n    new:", b.as_details()[key][:3])
            return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("revision")
    parser.add_argument("--random", type=int, default=3000, help="random mails (seeded)")
    args = parser.parse_args()
    old = extraction_revision.load(args.revision)
    from importlib import import_module

    old_links, old_html = import_module(old.__name__ + ".links"), import_module(old.__name__ + ".html")
    from dustmail_lite.extraction import html as new_html
    from dustmail_lite.extraction import links as new_links

    mails = mail_inputs()
    if differences(old, mails):
        return 1
    print(f"same details and text on {len(mails)} mails (corpora and bench)")
    rng = random.Random(18)
    for i in range(args.random):
        html = random_html(rng)
        text = rng.choice(["", random_text(rng)])
        if differences(old, [(f"random-{i}", "Confirm", text, html)]):
            print(repr(text)[:2000], "\n", html[:3000])
            return 1
        if _document(old_html.parse_html(html)) != _document(new_html.parse_html(html)):
            print("DIFFERENT parse_html", html[:3000])
            return 1
        for _ in range(10):
            url = random_url(rng)
            if (old_links.unwrap(url), old_links.is_tracking(url)) != (
                new_links.unwrap(url),
                new_links.is_tracking(url),
            ):
                print("DIFFERENT unwrap/is_tracking:", url)
                return 1
    print(f"same details, text, anchors, unwrap and is_tracking on {args.random} random mails")
    return 0


if __name__ == "__main__":
    sys.exit(main())
