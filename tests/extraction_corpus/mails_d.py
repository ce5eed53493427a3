"""Corpus mails, part D: a held-out set written AFTER the extractor was tuned on parts A-C.

Its first-run score is recorded in the README; nothing in the extractor was changed for it
before that run.
"""

from __future__ import annotations

from mailspec import Mail

MAILS = [
    Mail("en-16-aws-verify", "signup", "Amazon Web Services <no-reply@signup.aws.example>", "AWS Email Verification",
         "Amazon Web Services\n\nVerify your identity\n\nThanks for starting the new AWS account creation process. "
         "We want to make sure it's really you. Please enter the following verification code when prompted. "
         "If you don't want to create an account, you can ignore this message.\n\nVerification code\n\n"
         "729305\n\n(This code is valid for 10 minutes)\n\nAmazon Web Services will never email you and ask you to "
         "disclose or verify your password, credit card, or banking account number.\n\n"
         "Amazon Web Services, Inc. is a subsidiary of Amazon.com, Inc. 410 Terry Avenue North, Seattle, WA 98109-5210.",
         None, "729305"),
    Mail("en-17-heroku-preheader", "2fa", "Heroku <noreply@heroku.example>", "Your Heroku verification code",
         None,
         "<div style='display:none;max-height:0;overflow:hidden'>Your code expires in 15 minutes&#8204;&nbsp;&#8204;&nbsp;</div>"
         "<table role='presentation'><tr><td><img src='https://cdn.heroku.example/email/logo.png' width='40' alt=''></td></tr>"
         "<tr><td><p>Hi there,</p><p>Here is the code to verify your login:</p>"
         "<p style='font:bold 24px monospace'>QX4-9RT</p>"
         "<p>Login attempt from 203.0.113.7 (Frankfurt, DE) at 2026-03-30 08:41 UTC.</p>"
         "<p>Salesforce, Inc. · 415 Mission Street, 3rd Floor, San Francisco, CA 94105</p></td></tr></table>",
         "QX4-9RT"),
    Mail("en-18-linear-magic", "magic", "Linear <notifications@linear.example>", "Log in to Linear",
         "Log in to Linear\n\nClick the link below to log in. The link expires in 10 minutes.\n\n"
         "https://linear.example/auth/email?token=lin_a8f2Kd93Lm0q&email=u%40dustmail.localhost\n\n"
         "Or enter this temporary code: 48-291-733\n\n"
         "If you did not try to log in, you can ignore this email.",
         "<p><a href='https://linear.example/auth/email?token=lin_a8f2Kd93Lm0q&amp;email=u%40dustmail.localhost'>Log in to Linear</a></p>"
         "<p>Or enter this temporary code:</p><p><code>48-291-733</code></p>",
         "48291733", "https://linear.example/auth/email?token=lin_a8f2Kd93Lm0q&email=u%40dustmail.localhost"),
    Mail("en-19-paypal-receipt", "receipt", "PayPal <service@paypal.example>", "Receipt for your payment to Steam",
         None,
         "<p>You sent a payment of $59.99 USD to Valve Corporation.</p>"
         "<p>Transaction ID: 7YH23508TL4419823</p><p>Transaction date: Mar 29, 2026</p>"
         "<p>Invoice ID: 4419823</p><p>Shipping address: 221B Baker Street, London NW1 6XE</p>"
         "<p><a href='https://www.paypal.example/activity/payment/7YH23508TL4419823'>View transaction details</a></p>"
         "<p>Questions? Go to the Help Center at www.paypal.example/help.</p>",
         None, None),
    Mail("en-20-security-alert", "alert", "Google <no-reply@accounts.google.example>", "Security alert",
         "A new sign-in on Android\n\nu@dustmail.localhost\n\nWe noticed a new sign-in to your Google Account on a "
         "Pixel 8 device. If this was you, you don't need to do anything. If not, we'll help you secure your account.\n\n"
         "Check activity: https://accounts.google.example/AccountChooser?Email=u@dustmail.localhost&continue=https://myaccount.google.example/alert/nt/1711785600000\n\n"
         "You can also see security activity at https://myaccount.google.example/notifications\n\n"
         "© 2026 Google LLC, 1600 Amphitheatre Parkway, Mountain View, CA 94043, USA",
         None, None),
    Mail("es-07-whatsapp", "signin", "WhatsApp <noreply@whatsapp.example>", "Tu código de WhatsApp: 381-904",
         "Tu código de WhatsApp: 381-904\n\nNo compartas este código con nadie.\n\n"
         "Puedes tocar este enlace para verificar tu teléfono: https://v.whatsapp.example/381904",
         None, "381904"),
    Mail("pt-07-ifood-pedido", "receipt", "iFood <pedidos@ifood.example>", "Seu pedido #8812 foi entregue",
         None,
         "<p>Pedido #8812 entregue às 20:14.</p><p>Código de confirmação da entrega: informado ao entregador.</p>"
         "<p>Total pago: R$ 64,80 · Cupom PRIMEIRACOMPRA aplicado (-R$ 15,00)</p>"
         "<p><a href='https://www.ifood.example/pedidos/8812/avaliar'>Avaliar pedido</a></p>",
         None, None),
    Mail("fr-07-impots", "2fa", "impots.gouv <ne-pas-repondre@dgfip.example>", "Votre code de sécurité",
         "Bonjour,\n\nPour finaliser votre connexion à votre espace particulier, saisissez le code de sécurité "
         "suivant : 97 43 21\n\nCe code est valable 10 minutes.\nNuméro fiscal : 30 12 345 678 901\n\n"
         "La Direction générale des Finances publiques",
         None, "974321", cte="quoted-printable"),
    Mail("de-07-n26", "reset", "N26 <no-reply@n26.example>", "Passwort ändern",
         None,
         "<p>Hallo Anna,</p><p>du hast ein neues Passwort angefordert. Klicke auf den Button, um es festzulegen:</p>"
         "<p><a href='https://app.n26.example/reset-password?token=7Hd93kLq0z&amp;lang=de'>Neues Passwort festlegen</a></p>"
         "<p>Der Link ist 30 Minuten gültig.</p><p>N26 Bank AG · Voltairestraße 8 · 10179 Berlin · HRB 170602</p>",
         None, "https://app.n26.example/reset-password?token=7Hd93kLq0z&lang=de"),
    Mail("de-08-ebay-kleinanzeigen", "newsletter", "Kleinanzeigen <newsletter@kleinanzeigen.example>", "Deine Suche: 12 neue Anzeigen",
         None,
         "<h2>12 neue Anzeigen für „Fahrrad 28 Zoll“</h2><p>Trekkingrad, 28 Zoll, 21 Gänge – 180 € – 80331 München</p>"
         "<p>Damenrad Gazelle – 250 € VB – 81667 München</p>"
         "<p><a href='https://www.kleinanzeigen.example/s-suchanfrage/fahrrad-28-zoll/k0?utm_source=email'>Alle ansehen</a></p>"
         "<p><a href='https://www.kleinanzeigen.example/m-suchauftraege-abmelden.html?id=7781'>Suchauftrag abbestellen</a></p>",
         None, None),
    Mail("it-07-poste", "2fa", "Poste Italiane <noreply@posteitaliane.example>", "Codice di sicurezza PosteID",
         "Gentile cliente,\n\nil tuo codice di sicurezza PosteID è:\n\n  640 118\n\nNon comunicarlo a nessuno. "
         "Poste Italiane non ti chiederà mai questo codice per telefono.\nAssistenza: 06 4526 3322",
         None, "640118", cte="base64"),
    Mail("nl-07-tikkie", "magic", "Tikkie <noreply@tikkie.example>", "Inloggen bij Tikkie",
         None,
         "<p>Hoi!</p><p>Tik op de knop om in te loggen. Deze link is 5 minuten geldig.</p>"
         "<p><a href='https://links.tikkie.example/ls/click?upn=Az9&amp;url=https%3A%2F%2Ftikkie.example%2Flogin%2Fmagic%3Fcode%3DTk7Qm2Lp'>Inloggen</a></p>"
         "<p>Tikkie is een dienst van ABN AMRO Bank N.V., Gustav Mahlerlaan 10, 1082 PP Amsterdam</p>",
         None, "https://tikkie.example/login/magic?code=Tk7Qm2Lp"),
    Mail("pl-07-inpost", "shipping", "InPost <powiadomienia@inpost.example>", "Twoja paczka czeka w Paczkomacie",
         "Twoja paczka 602345678901234567890123 czeka w Paczkomacie WAW123M, ul. Marszałkowska 10, 00-590 Warszawa.\n"
         "Kod odbioru: 493021\nOdbierz do 02.04.2026, 14:00.",
         None, None),
    Mail("tr-07-turkcell", "signin", "Turkcell <bilgi@turkcell.example>", "Giriş şifreniz",
         "Değerli müşterimiz, Turkcell Hesabım giriş için tek kullanımlık şifreniz 5820 'dir. "
         "Bu şifreyi kimseyle paylaşmayın. Destek: 532 000 00 00",
         None, "5820"),
    Mail("ru-07-sber", "2fa", "СберБанк <noreply@sberbank.example>", "Код для подтверждения операции",
         None,
         "<p>Перевод 12 500 ₽ получателю Анна П. Код подтверждения: <b>83921</b>. Никому не сообщайте код.</p>"
         "<p>Горячая линия 900 · Карта •• 4417</p>",
         "83921", cte="base64"),
    Mail("uk-07-monobank", "signin", "monobank <noreply@monobank.example>", "Вхід у monobank",
         "Код для входу в monobank Web: 7 1 9 3 0 2\nЯкщо це були не ви — зверніться в підтримку.",
         None, "719302"),
    Mail("sv-07-bankid", "newsletter", "Skatteverket <noreply@skatteverket.example>", "Din deklaration 2026",
         "Hej!\n\nNu kan du deklarera för inkomståret 2025. Logga in med BankID på skatteverket.example senast 4 maj 2026.\n"
         "Har du frågor? Ring 0771-567 567.\nSkatteverket, 171 94 Solna",
         None, None),
    Mail("cs-07-csob", "2fa", "ČSOB <info@csob.example>", "Ověřovací kód pro přihlášení",
         None,
         "<p>Dobrý den,</p><p>váš ověřovací kód pro přihlášení do Internetového bankovnictví je <b>H7K2-M9QP</b>.</p>"
         "<p>Platnost: 5 minut. Klientská linka 800 023 003.</p>",
         "H7K2-M9QP", cte="quoted-printable"),
    Mail("ja-07-line", "signin", "LINE <no-reply@line.example>", "[LINE] 認証番号のお知らせ",
         "LINEアカウントへのログインの認証番号は「４８２０」です。\nこの番号を他人に教えないでください。",
         None, "4820", cte="base64"),
    Mail("zh-07-wechat", "signin", "微信团队 <noreply@wechat.example>", "微信登录验证",
         None,
         "<p>你正在登录微信网页版，验证码：<strong>629041</strong>（15分钟内有效）。</p>"
         "<p>如非本人操作，请致电 95017 联系客服。</p>",
         "629041", cte="base64"),
    Mail("ko-07-toss-payment", "receipt", "토스페이 <noreply@tosspay.example>", "결제가 완료되었습니다",
         "결제 금액: 38,900원\n승인번호: 30418829\n결제 일시: 2026-03-30 14:22\n가맹점: 올리브영 강남점",
         None, None),
    Mail("ar-07-stc", "signin", "stc pay <noreply@stcpay.example>", "رمز الدخول",
         None,
         "<div dir='rtl'><p>رمز الدخول إلى حسابك في stc pay هو <b>٣٩١٠٥٢</b></p><p>لا تشارك الرمز مع أي شخص.</p></div>",
         "391052", cte="base64"),
    Mail("hi-07-zomato", "signin", "Zomato <noreply@zomato.example>", "Your Zomato login OTP",
         "Hi,\n\n1903 is your OTP to log in to Zomato. It is valid for 5 minutes.\n\nOrder #6123344 was delivered on 29 Mar 2026.",
         None, "1903"),
    Mail("id-07-dana", "2fa", "DANA <noreply@dana.example>", "Kode Verifikasi DANA",
         None,
         "<p>JANGAN BERIKAN KODE INI KE SIAPA PUN termasuk pihak DANA.</p><p>Kode verifikasi: <b>4920</b></p>"
         "<p>Transaksi Rp 250.000 ke 0812-3456-7890 pada 30/03/2026.</p>",
         "4920"),
    Mail("vi-07-momo", "reset", "MoMo <noreply@momo.example>", "Đặt lại mật khẩu ví MoMo",
         "Xin chào,\n\nNhấn vào liên kết sau để đặt lại mật khẩu ví MoMo của bạn:\n"
         "https://momo.example/dat-lai-mat-khau?ma=Mo9x2Pq7\n\nLiên kết hết hạn sau 15 phút. Hotline 1900 5454 41",
         None, None, "https://momo.example/dat-lai-mat-khau?ma=Mo9x2Pq7"),
]
