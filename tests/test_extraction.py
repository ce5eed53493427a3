"""The extraction grammar, each decoy class, link kinds and unwrapping, and bounds on hostile input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dustmail_lite.extraction import extract
from dustmail_lite.extraction.links import unwrap


def codes_of(text: str, subject: str = "", html: str = "") -> list[str]:
    return extract(subject, text, html).as_details()["codes"]


def details_of(text: str, subject: str = "", html: str = "") -> dict:
    return extract(subject, text, html).as_details()


# --- grammar -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,code",
    [
        ("Your confirmation code is K7P-2QX. Enter it in the app.", "K7P-2QX"),
        ("Ihr Sicherheitscode lautet 9X4K-7M2P.", "9X4K-7M2P"),
        ("Your sign-in security code is AB12CD.", "AB12CD"),
        ("Your PIN: 7305", "7305"),
        ("Your one-time passcode is 5519087342.", "5519087342"),
        ("Your verification code is 123 456", "123456"),
        ("Kod logowania: 27 19 55", "271955"),
        ("Your code:\n\n  804-217\n", "804217"),
        ("Use this code to sign in:\n\n7 2 9 0 4 1\n", "729041"),
        ("Copy and paste this temporary login code:\n\nglad-tiger-sleepy-8214\n", "glad-tiger-sleepy-8214"),
        ("482913 is your Slack confirmation code", "482913"),
        ("Or enter this temporary code: 48-291-733", "48291733"),
        ("1903 is your OTP to log in to Zomato.", "1903"),
    ],
    ids=["alnum-separator", "alnum-two-groups", "alnum-no-separator", "four-digits", "ten-digits",
         "space-groups", "pairs", "hyphen-groups", "letter-spaced", "word-code", "cue-after",
         "uneven-hyphen-groups", "year-like-code-named-by-its-cue"],
)
def test_code_grammar(text, code):
    assert codes_of(text)[:1] == [code]


def test_letter_spaced_code_in_an_html_span():
    html = "<p>Use the code below.</p><p><span style='letter-spacing:12px;font-size:36px'>7 2 9 0 4 1</span></p>"
    assert details_of("", html=html)["code_details"][0]["value"] == "729041"
    split = "<p>Your code</p><div><span>5</span><span>2</span><span>9</span><span>8</span></div>"
    assert details_of("", html=split)["codes"] == ["5298"]


def test_code_in_the_subject_only():
    d = details_of("Enter the code from the subject line.", subject="123456 is your Acme code")
    assert d["codes"] == ["123456"] and d["code_details"][0]["source"] == "subject"


@pytest.mark.parametrize(
    "text,code",
    [
        ("認証コード：８３０２９４", "830294"),
        ("您的验证码是４０９１７２，10分钟内有效。", "409172"),
        ("رمز التحقق الخاص بك هو: ٤٨٢٠٧١", "482071"),
        ("رمز التحقق: ۴۸۲۰۷۱", "482071"),
        ("आपका सत्यापन कोड है: ३०५८१२", "305812"),
        ("Your code: ＡＢ１２ＣＤ", "AB12CD"),
    ],
    ids=["full-width", "full-width-then-comma", "arabic-indic", "extended-arabic-indic", "devanagari",
         "full-width-letters"],
)
def test_digits_of_other_scripts_are_normalised(text, code):
    assert codes_of(text) == [code]


CUE_SENTENCES = {
    "en": "Your verification code is 482913.",
    "es": "Tu clave de acceso es 4821.",
    "pt": "Seu código de confirmação: 240519.",
    "fr": "Votre code de vérification est 310587.",
    "de": "Ihr Bestätigungscode lautet: 583920",
    "it": "Il tuo codice di verifica è 918273.",
    "nl": "Je verificatiecode is 650021.",
    "pl": "Twój kod weryfikacyjny to 873310",
    "tr": "Doğrulama kodunuz: 447120",
    "ru": "Ваш код подтверждения: 5920",
    "uk": "Ваш код для входу: 5193",
    "sv": "Din engångskod är 284093.",
    "cs": "Váš ověřovací kód je 530918.",
    "ja": "確認コードは 603182 です。",
    "zh": "您的验证码为552031，请勿泄露。",
    "ko": "인증번호 [381920] 를 입력해 주세요.",
    "ar": "رمز تسجيل الدخول 7305",
    "hi": "लॉगिन के लिए आपका OTP 618204 है।",
    "id": "Kode verifikasi kamu: 250914",
    "vi": "Mã xác thực của bạn là 731046.",
}


@pytest.mark.parametrize("lang", sorted(CUE_SENTENCES))
def test_cue_words_in_twenty_languages(lang):
    sentence = CUE_SENTENCES[lang]
    expected = "".join(ch for ch in sentence if ch.isdigit())
    details = details_of(sentence)
    assert details["codes"] == [expected]
    assert details["code_details"][0]["cues"], details["code_details"]


def test_no_cue_no_code():
    assert codes_of("We shipped 482913 boxes in 2026.") == []


# --- decoys --------------------------------------------------------------------------------

DECOYS = [
    ("date", "Your code is 551882. Requested on 14/03/2026.", "2026"),
    ("date", "Your verification code: 551882 (sent 2026-03-30)", "2026-03-30"),
    ("time", "Your code 551882 expires at 10:30.", None),
    ("price", "Your verification code is 551882 for the payment of 4999 USD.", "4999"),
    ("price", "Código de verificación 551882 — total 1249,90 €", "1249"),
    ("phone number", "Your code is 551882. Questions? Call +1 415 555 0132.", None),
    ("phone number", "Your code: 551882. Hotline: 900 123 456", "900 123 456"),
    ("order number", "Your confirmation code is 551882 for order #448812.", "448812"),
    ("order number", "Verification code 551882 - Ticket ID 20391844", "20391844"),
    ("year", "Your code is 551882. © 2026 Acme", "2026"),
    ("postcode", "Security code 551882. Acme Inc., 500 Howard St, San Francisco, CA 94105", "94105"),
    ("postcode", "Ihr Code: 551882\nZalando SE, Valeska-Gert-Straße 5, 10243 Berlin", "10243"),
    ("account or card number", "OTP 551882 for your card ending 4821", "4821"),
    ("discount code", "Your code 551882 is ready. Save 20% with code SAVE20 today.", "SAVE20"),
    ("percentage", "Your code is 551882 - now 2500% faster", "2500"),
    ("year", "Your code is 551882.\nDeklarera för inkomståret 2025. Logga in med BankID.", "2025"),
    ("pickup, booking or gift code", "Twój kod weryfikacyjny: 551882\nKod odbioru: 493021", "493021"),
]


@pytest.mark.parametrize("kind,text,value", DECOYS, ids=[f"{d[0]}-{i}" for i, d in enumerate(DECOYS)])
def test_each_decoy_class_is_rejected_and_the_code_kept(kind, text, value):
    details = details_of(text)
    assert details["codes"] == ["551882"], details
    if value is not None:
        rejected = {(r["value"], r["decoy"]) for r in details["rejected_codes"]}
        assert (value, kind) in rejected, details["rejected_codes"]


@pytest.mark.parametrize(
    "text",
    [
        "Order #112-7734912-5512034 confirmed. Total: $129.99. Call 1-800-555-0199.",
        "Your coupon code: 7788",
        "Use promo code SPRING26 for 20% off",
        "Invoice INV-2026-0042: amount due 250.00 USD by 2026-04-15. Reference 00981234.",
        "Meeting at 10:30 on 2026-04-01",
        "Call +44 20 7946 0958 for your code",
    ],
)
def test_negatives_offer_no_code(text):
    assert codes_of(text) == []


def test_details_explain_the_choice():
    d = details_of("Your verification code is 318402.\nOrder 77120 of 12.03.2026")
    [top] = d["code_details"]
    assert top["value"] == "318402" and top["source"] == "text"
    assert "verification code" in top["cues"]
    assert any("right after the cue word" in r for r in top["reasons"])
    assert "318402" in top["context"]
    assert 0.5 < top["confidence"] <= 1


# --- links ---------------------------------------------------------------------------------

def test_verification_link_ranks_first_among_logos_social_tracking_and_unsubscribe():
    html = (
        "<a href='https://acme.example/'><img src='https://cdn.acme.example/logo.png' alt='Acme'></a>"
        "<a href='https://acme.example/help'>Help</a>"
        "<a href='https://click.mail.acme.example/c/eJwtjMEOgjAQRH'>Our blog</a>"
        "<a href='https://acme.example/account/confirm?token=d41d8cd98f'>Confirm your email</a>"
        "<a href='https://acme.example/unsubscribe?u=1'>Unsubscribe</a>"
        "<a href='https://cdn.acme.example/terms.pdf.png'>terms</a>"
    )
    d = details_of("", html=html)
    kinds = {link["url"]: link["kind"] for link in d["link_details"]}
    assert d["links"][0] == "https://acme.example/account/confirm?token=d41d8cd98f"
    assert kinds["https://acme.example/account/confirm?token=d41d8cd98f"] == "verification"
    assert kinds["https://acme.example/unsubscribe?u=1"] == "unsubscribe"
    assert kinds["https://acme.example/"] == "asset"
    assert kinds["https://cdn.acme.example/terms.pdf.png"] == "asset"
    assert kinds["https://click.mail.acme.example/c/eJwtjMEOgjAQRH"] == "tracking"
    assert kinds["https://acme.example/help"] == "other"
    top = d["link_details"][0]
    assert top["text"] == "Confirm your email" and top["href"] == top["url"] and top["source"] == "html"
    assert d["links"][-1] == "https://acme.example/unsubscribe?u=1"


def test_tracking_redirect_is_unwrapped_and_keeps_its_href():
    wrapped = ("https://u48.ct.sendgrid.example/ls/click?upn=Gx7&url=https%3A%2F%2Fapp.acme.example%2Freset"
               "%3Ftoken%3Dd41d8cd98f00b204")
    d = details_of("", html=f"<a href='{wrapped.replace('&', '&amp;')}'>Reset password</a>")
    [link] = d["link_details"]
    assert link["url"] == "https://app.acme.example/reset?token=d41d8cd98f00b204"
    assert link["href"] == wrapped and link["kind"] == "verification"
    assert d["links"] == [link["url"]]


@pytest.mark.parametrize(
    "url",
    [
        "https://click.example.com/ls/click?url=javascript%3Aalert(1)",  # not http(s)
        "https://click.example.com/ls/click?url=%2F%2Fevil.example%2Fx",  # no scheme
        "https://click.example.com/ls/click?url=ftp%3A%2F%2Fx.example%2F",
        "https://auth.example.com/verify?token=abc123XYZ&redirect=https%3A%2F%2Fapp.example.com%2F",  # not a redirector
    ],
)
def test_unwrapping_only_to_an_http_target_of_a_redirector(url):
    assert unwrap(url) == url


def test_verification_link_from_a_text_part():
    text = "Restablecer contraseña: https://www.idealista.example/usuario/restablecer?clave=e8Tz91kQ\n"
    [link] = details_of(text)["link_details"]
    assert link["kind"] == "verification" and link["source"] == "text"
    assert "Restablecer contraseña" in link["text"]


def test_a_page_link_without_a_token_is_not_a_verification_link():
    text = "If this was not you, your password may be compromised. Visit https://gh.example/settings/security"
    [link] = details_of(text)["link_details"]
    assert link["kind"] == "other"


# --- bounds --------------------------------------------------------------------------------

def _check_bounded(details: dict) -> None:
    assert len(details["codes"]) <= 5 and len(details["code_details"]) == len(details["codes"])
    assert len(details["rejected_codes"]) <= 10
    assert len(details["links"]) <= 200 and len(details["link_details"]) <= 50
    assert [link["url"] for link in details["link_details"]] == details["links"][:50]
    for item in details["code_details"] + details["link_details"]:
        assert 0 <= item["confidence"] <= 1
    for code in details["codes"]:
        assert 4 <= len(code.replace("-", "")) <= 32
    for link in details["links"]:
        assert link.lower().startswith(("http://", "https://"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=st.text(max_size=200), text=st.text(max_size=2000), html=st.text(max_size=2000))
def test_any_input_gives_bounded_well_formed_details(subject, text, html):
    _check_bounded(details_of(text, subject=subject, html=html))


CODE_ALPHABET = st.sampled_from(list("0123456789 -:.,/#+$€%\nABKXcode código код 验证码 OTP"))


@settings(max_examples=150, deadline=None)
@given(st.lists(CODE_ALPHABET, max_size=400).map("".join))
def test_code_dense_noise_is_bounded(noise):
    _check_bounded(details_of(noise, html=f"<p>{noise}</p>"))


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 100_000 + "code 123456" + "</div>" * 100_000,
        "<a href='https://x.example/verify?token=Ab1234567'>Verify</a>" * 20_000,
        "<p>code 1234 </p>" * 50_000,
        "<a href='" + "https://x.example/?" + "u=https%3A%2F%2F" * 20_000 + "'>x</a>",
    ],
    ids=["deep-nesting", "many-anchors", "many-candidates", "huge-href"],
)
def test_hostile_html_is_bounded(html):
    _check_bounded(details_of("", html=html))


@settings(max_examples=200, deadline=None)
@given(
    host=st.sampled_from(["click.mail.example", "shop.example", "u1.ct.sendgrid.net", "www.google.example"]),
    path=st.sampled_from(["/ls/click", "/url", "/p/1", "/verify", "/c/abc"]),
    name=st.sampled_from(["url", "u", "q", "redirect", "token", "next"]),
    target=st.sampled_from(["https://app.example/x?t=1", "javascript:alert(1)", "//evil.example/",
                            "http://a.example/", "data:text/html,x", "ftp://f.example/"]),
)
def test_unwrapping_never_invents_a_domain(host, path, name, target):
    from urllib.parse import quote

    url = f"https://{host}{path}?a=1&{name}={quote(target, safe='')}"
    result = unwrap(url)
    assert result == url or (result == target and target.startswith(("http://", "https://")))


def test_a_fault_in_extraction_never_costs_the_message(monkeypatch):
    from dustmail_lite import mime

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(mime, "extract", broken)
    email = mime.parse_message(b"Subject: hi\r\n\r\nYour code is 123456\r\n")
    assert email.subject == "hi" and email.text.startswith("Your code")
    assert email.details["codes"] == [] and email.details["extraction_error"]


def test_a_huge_html_part_is_read_by_the_tokenizer_that_lets_the_loop_run():
    from dustmail_lite.extraction import html as html_module

    big = "<p>Your code is 482913</p>" + "<div><a href='https://x.example/p'>x</a></div>" * 30_000
    assert len(big) > html_module.MAX_LEXBOR
    document = html_module.parse_html(big)
    assert document.text.startswith("Your code is 482913")
    assert len(document.anchors) == html_module.MAX_ANCHORS
    assert document == html_module._parse_flat(big)
