"""Realistic verification emails (and look-alikes without codes) for link/code extraction.

Each case: how the message is built, the code a person would type (None: no code), and a
link the message must yield. Several languages; HTML-only, text-only and both;
quoted-printable and base64 bodies; with the numbers that trip naive extractors (order
numbers, dates, prices, phone numbers, years, postcodes).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class Case:
    name: str
    subject: str
    text: str | None
    html: str | None
    code: str | None
    link: str | None = None
    cte: str | None = None  # force "quoted-printable" or "base64"


CASES = [
    Case("en-signup-both", "Verify your email", "Hi Sam,\n\nYour verification code is 482913.\nIt expires in 10 minutes.\n\nThanks, Acme — 1 Main St, Springfield 62704",
         "<p>Hi Sam,</p><p>Your verification code is <strong>482913</strong>.</p><p>It expires in 10 minutes.</p>", "482913"),
    Case("en-otp-html-only", "Your one-time passcode", None,
         "<table><tr><td>Use this one-time passcode to sign in:</td></tr><tr><td style='font-size:32px'>905 118</td></tr>"
         "<tr><td>Didn't request it? Call us at +1 (415) 555-0132.</td></tr></table>", "905118"),
    Case("en-magic-link", "Sign in to Notepad", "Click to sign in: https://notepad.example/auth/magic?token=abc123DEF\nThis link expires in 15 minutes.",
         None, None, "https://notepad.example/auth/magic?token=abc123DEF"),
    Case("en-order-receipt", "Order #448812 confirmed", "Thanks for your order #448812 placed on 2026-03-30.\nTotal: $129.99\nTracking number 1Z999AA10123456784\nQuestions? Call 1-800-555-0199.",
         None, None),
    Case("en-alnum-code", "Your login code", "Enter this code to finish logging in:\n\nK7PX2Q\n\nIf you did not try to log in, ignore this email.",
         None, "K7PX2Q"),
    Case("en-pin-qp", "PIN reset", "Your new PIN is 7305. Keep it secret.\nOffice hours 9:00-17:00, Mon–Fri.", None, "7305", cte="quoted-printable"),
    Case("en-2fa-base64", "Two-factor authentication", "Your 2FA code: 661204\nRequested from IP 203.0.113.45 on 30/03/2026.", None, "661204", cte="base64"),
    Case("en-newsletter", "Spring sale: 30% off", "Save 30% on 2026 models! Prices from $1299. Visit https://shop.example/sale\nUnsubscribe: https://shop.example/u?id=99812",
         "<h1>Spring sale</h1><p>Save 30% on 2026 models from $1299.</p><a href='https://shop.example/sale'>Shop</a>", None, "https://shop.example/sale"),
    Case("en-code-in-subject", "123456 is your Slack confirmation code", "Confirm your email address by entering the code from the subject line.",
         None, "123456"),
    Case("de-bestaetigung", "Ihr Bestätigungscode", "Hallo,\n\nIhr Bestätigungscode lautet: 583920\n\nBestellung 77120 vom 12.03.2026 bleibt unverändert.",
         None, "583920", cte="quoted-printable"),
    Case("de-html", "Anmeldung bestätigen", None,
         "<p>Bitte bestätigen Sie Ihre Anmeldung:</p><p><a href='https://konto.example.de/bestaetigen?k=Zt9'>Jetzt bestätigen</a></p><p>Ihr Sicherheitscode: <b>4410</b></p>",
         "4410", "https://konto.example.de/bestaetigen?k=Zt9"),
    Case("fr-verification", "Code de vérification", "Bonjour,\nVotre code de vérification est 310587.\nCommande n° 99120 expédiée le 02/04/2026.",
         None, "310587", cte="base64"),
    Case("es-codigo", "Tu código de verificación", None,
         "<div>Hola, tu código de verificación es:</div><div style='font-size:28px'><b>772301</b></div><div>Pedido 5512 — total 49,90 €</div>", "772301"),
    Case("pt-codigo", "Código de confirmação", "Olá! Seu código de confirmação: 240519. Não compartilhe.", None, "240519"),
    Case("it-codice", "Codice di verifica", "Il tuo codice di verifica è 918273. Scade tra 5 minuti.", None, "918273"),
    Case("nl-verificatiecode", "Je verificatiecode", "Je verificatiecode is 650021. Bel 020-5550123 bij vragen.", None, "650021"),
    Case("pl-kod", "Kod weryfikacyjny", "Twój kod weryfikacyjny: 873310", None, "873310", cte="quoted-printable"),
    Case("ru-kod", "Код подтверждения", "Здравствуйте!\nВаш код подтверждения: 5920\nЗаказ № 120044 от 30.03.2026 на сумму 1500 руб.",
         None, "5920", cte="base64"),
    Case("tr-dogrulama", "Doğrulama kodu", "Doğrulama kodunuz: 447120", None, "447120"),
    Case("zh-yanzhengma", "验证码", "您的验证码是 918274，5分钟内有效。客服电话 400-800-1234", None, "918274", cte="base64"),
    Case("ja-ninsho", "認証コードのお知らせ", "認証コード：603182\nこのコードの有効期限は10分です。", None, "603182", cte="base64"),
    Case("ko-injeung", "인증번호 안내", "인증번호 [381920] 를 입력해 주세요.", None, "381920", cte="base64"),
    Case("en-reset-link-html", "Reset your password",
         None,
         "<p>We received a request to reset your password.</p><a href=\"https://id.example.com/reset?t=Q2xhc3M%3D&amp;u=42\">Reset password</a><p>© 2026 Example Inc.</p>",
         None, "https://id.example.com/reset?t=Q2xhc3M%3D&u=42"),
    Case("en-invoice", "Invoice INV-2026-0042", "Invoice INV-2026-0042 for March.\nAmount due: 250.00 USD by 2026-04-15.\nAccount number 00981234.", None, None),
    Case("en-shipping", "Your package is on its way", "Tracking: https://track.example/p/99812231\nDelivery expected 4/2/2026 between 10:00 and 14:00.", None, None,
         "https://track.example/p/99812231"),
    Case("en-security-alert", "New sign-in to your account", "We noticed a new sign-in on Windows, Chrome 124, at 14:32 UTC from 198.51.100.7.\nIf this was you, no action is needed.",
         None, None),
    Case("en-code-below-text", "Confirm it's you", "Here is your confirmation code:\n\n  209114\n\nEnter it in the app. Ref: 2026/03/30", None, "209114"),
]


def build(case: Case, to: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Service <no-reply@service.example>"
    message["To"] = to
    message["Subject"] = case.subject
    if case.text is not None:
        message.set_content(case.text, cte=case.cte) if case.cte else message.set_content(case.text)
        if case.html is not None:
            message.add_alternative(case.html, subtype="html")
    else:
        assert case.html is not None
        if case.cte:
            message.set_content(case.html, subtype="html", cte=case.cte)
        else:
            message.set_content(case.html, subtype="html")
    return message.as_bytes()
