"""Making stored mail safe to hand to a browser: sanitized HTML, unbreakable filenames."""

from __future__ import annotations

import re
from html import escape as html_escape
from html import unescape as html_unescape
from urllib.parse import quote

import nh3

_ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "cid", "data"}
_SPACES = re.compile(r"[\x00-\x20]+")
_MEDIA_TYPE = re.compile(r"[a-zA-Z0-9.+-]+/[a-zA-Z0-9.+-]+")


def safe_media_type(content_type: str) -> str:
    return content_type if _MEDIA_TYPE.fullmatch(content_type) else "application/octet-stream"


def content_disposition(filename: str) -> str:
    """A header that no filename can break out of: an ASCII fallback plus RFC 5987."""
    base = filename.replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '\r\n"')
    base = base.lstrip(".") or "attachment"
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in base)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(base, safe='')}"


_BODY_TAG = re.compile(r"<body\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _keep_body_style(markup: str) -> str:
    """The sanitizer drops <body>, and with it the mail's font and colours: carry its style
    (and bgcolor/text) onto a <div> that wraps the body's content, for the sanitizer to check."""
    match = _BODY_TAG.search(markup)
    if not match:
        return markup
    attributes = {
        m.group(1).lower(): html_unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTRIBUTE.finditer(match.group(1))
    }
    styles = []
    if attributes.get("bgcolor"):
        styles.append(f"background-color: {attributes['bgcolor']}")
    if attributes.get("text"):
        styles.append(f"color: {attributes['text']}")
    if attributes.get("style"):
        styles.append(attributes["style"])
    if not styles:
        return markup
    wrapper = f'<div style="{html_escape("; ".join(styles), quote=True)}">'
    return markup[: match.end()] + wrapper + markup[match.end() :]


def sanitize_html(markup: str, remote_images: bool = False) -> str:
    """Email HTML safe to show: no scripts, handlers, forms, base, meta refresh; remote
    images (trackers) dropped unless asked for. The CSP sent with it is a second fence."""
    markup = _keep_body_style(markup)

    def drop_remote_images(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src" and not remote_images:
            return value if value.lower().startswith(("data:", "cid:")) else None
        if attribute == "href" and _SPACES.sub("", value).lower().startswith("data:"):
            return None  # data: is for images only: a data: link opens a page we did not clean
        return value

    tags = set(nh3.ALLOWED_TAGS) | {
        "center",
        "font",
        "span",
        "div",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "img",
        "style",
    }
    tags -= {"form", "input", "button", "base", "meta", "link", "script", "iframe", "object", "embed"}
    attributes = {
        tag: {
            "style",
            "class",
            "align",
            "width",
            "height",
            "bgcolor",
            "color",
            "border",
            "cellpadding",
            "cellspacing",
            "valign",
            "dir",
            "title",
            "alt",
        }
        for tag in tags
    }
    attributes["a"] = attributes["a"] | {"href", "name"}
    attributes["img"] = attributes["img"] | {"src"}
    attributes["font"] = attributes["font"] | {"face", "size"}
    return nh3.clean(
        markup,
        tags=tags,
        clean_content_tags={"script", "title"},
        attributes=attributes,
        url_schemes=_ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=drop_remote_images,
    )
