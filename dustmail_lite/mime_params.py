"""A linear `email.message._parseparam`, installed in place of the standard library's.

Every `get_param` of the email package (the boundary of each multipart the parser meets, a
part's charset, an attachment's filename) splits its header at ";" with that function, which
on Python 3.11 copies the rest of the header at each parameter and, inside an open quote,
counts the quotes from the parameter's start again at each ";": a header of one `"` and n
";" costs n² (40,000: 1.6 s; the 256 KB a header block may hold: over a minute, and a part's
own header inside the body is bounded only by the message size). This one walks the header
once and returns the same list.
"""

from __future__ import annotations

import email.message


def parse_params(value: object) -> list[str]:
    """`email.message._parseparam(value)`, in one pass: a parameter ends at a ";" before which
    its quotes (those not escaped by a backslash) are even in number."""
    s = str(value)
    params = []
    start = 0
    while True:
        end = s.find(";", start)
        if end > start:
            odd = (s.count('"', start, end) - s.count('\\"', start, end)) % 2
            while odd:
                following = s.find(";", end + 1)
                if following < 0:
                    end = -1
                    break
                odd = (odd + s.count('"', end, following) - s.count('\\"', end, following)) % 2
                end = following
        if end < 0:
            end = len(s)
        param = s[start:end]
        if "=" in param:
            i = param.index("=")
            param = param[:i].strip().lower() + "=" + param[i + 1 :].strip()
        params.append(param.strip())
        if end >= len(s):
            return params
        start = end + 1


def install() -> None:
    email.message._parseparam = parse_params  # type: ignore[attr-defined]
