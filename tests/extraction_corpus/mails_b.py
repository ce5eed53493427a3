"""Corpus mails, part B: Italian, Dutch, Polish, Turkish, Russian, Ukrainian, Swedish, Czech."""

from __future__ import annotations

from mailspec import Mail

MAILS = [
    # ---------------------------------------------------------------- Italian
    Mail("it-01-codice-verifica", "signup", "Subito <noreply@subito.example>", "Il tuo codice di verifica",
         "Ciao,\n\nil tuo codice di verifica è 408 215.\nInseriscilo nell'app entro 15 minuti.\n\n"
         "Subito.it S.r.l. · Via Benigno Crespi 19, 20159 Milano · P.IVA 05997950962",
         None, "408215"),
    Mail("it-02-otp-banca", "2fa", "Intesa Sanpaolo <comunicazioni@intesasanpaolo.example>", "Codice OTP per l'operazione",
         None,
         "<p>Gentile cliente,</p><p>il codice OTP per autorizzare il bonifico di 780,00 € del 30/03/2026 è:</p>"
         "<p style='font-size:26px'><strong>19475302</strong></p><p>Non comunicarlo a nessuno. Numero verde 800 303 303.</p>",
         "19475302", cte="quoted-printable"),
    Mail("it-03-reimposta", "reset", "Trenitalia <noreply@trenitalia.example>", "Reimposta la password",
         "Gentile Marco,\n\nabbiamo ricevuto una richiesta di reimpostazione della password.\n"
         "Per scegliere una nuova password clicca qui: https://www.trenitalia.example/it/password/reset.html?t=aG91c2U5\n\n"
         "Il tuo biglietto PNR ABX4KQ del 04/04/2026 non è interessato.\nCartaFRECCIA n. 1234567890",
         None, None, "https://www.trenitalia.example/it/password/reset.html?t=aG91c2U5"),
    Mail("it-04-ordine", "receipt", "Amazon.it <conferma-ordine@amazon.example>", "Il tuo ordine 403-1188273-4410021",
         None,
         "<p>Grazie per il tuo ordine.</p><p>Ordine n. 403-1188273-4410021 · effettuato il 27 marzo 2026</p>"
         "<table><tr><td>Macchina da caffè</td><td>129,00 €</td></tr><tr><td>Totale</td><td>129,00 €</td></tr></table>"
         "<p>Consegna a: Via Roma 10, 00184 Roma RM</p><p><a href='https://www.amazon.example/gp/css/order-history'>I tuoi ordini</a></p>",
         None, None),
    Mail("it-05-accesso-link", "magic", "Satispay <hello@satispay.example>", "Accedi a Satispay Business",
         None,
         "<p>Ciao!</p><p>Usa questo link per accedere al tuo account Business. Scade tra 10 minuti e funziona una sola volta.</p>"
         "<p><a href='https://business.satispay.example/auth/magic-link?code=Zk8sP0qW'>Accedi</a></p>"
         "<p><a href='https://www.facebook.example/satispay'><img src='https://cdn.satispay.example/fb.png' alt='Facebook'></a>"
         "<a href='https://www.instagram.example/satispay'><img src='https://cdn.satispay.example/ig.png' alt='Instagram'></a></p>",
         None, "https://business.satispay.example/auth/magic-link?code=Zk8sP0qW"),
    Mail("it-06-spedizione", "shipping", "BRT <noreply@brt.example>", "La tua spedizione è in consegna",
         "Gentile cliente,\nla spedizione n. 054123456789 del mittente ZALANDO è in consegna oggi 30/03/2026.\n"
         "Fascia oraria: 9:00-13:00. CAP destinazione 40121 Bologna.\nInfo: 011 3973 111",
         None, None),
    # ---------------------------------------------------------------- Dutch
    Mail("nl-01-verificatiecode", "signin", "bol.com <noreply@bol.example>", "Je verificatiecode",
         "Hoi,\n\nJe verificatiecode is: 571 336\n\nDeze code is 10 minuten geldig.\n"
         "Bestelling 1184920317 wordt morgen bezorgd.\n\nbol.com b.v. · Papendorpseweg 100 · 3528 BJ Utrecht",
         None, "571336"),
    Mail("nl-02-bevestig", "signup", "Marktplaats <noreply@marktplaats.example>", "Bevestig je e-mailadres",
         None,
         "<p>Welkom bij Marktplaats!</p><p>Klik op de knop hieronder om je e-mailadres te bevestigen.</p>"
         "<p><a href='https://link.marktplaats.example/ls/click?upn=7gk_2&amp;url=https%3A%2F%2Fwww.marktplaats.example%2Faccount%2Fbevestigen%3Fcode%3Dq81LmZ'>E-mailadres bevestigen</a></p>"
         "<p>Marktplaats B.V. · Wibautstraat 224 · 1097 DN Amsterdam · KvK 34198485</p>"
         "<p><a href='https://www.marktplaats.example/afmelden'>Afmelden</a></p>",
         None, "https://www.marktplaats.example/account/bevestigen?code=q81LmZ"),
    Mail("nl-03-inlogcode-b64", "2fa", "DigiD <noreply@digid.example>", "Uw sms-code / inlogcode",
         "Geachte heer/mevrouw,\n\nUw inlogcode voor DigiD is: 3YK8QF\n\nU heeft deze code aangevraagd op 30-03-2026 om 11:02.\n"
         "Vragen? Bel de DigiD-helpdesk: 088 - 123 6555.",
         None, "3YK8QF", cte="base64"),
    Mail("nl-04-wachtwoord", "reset", "NS <noreply@ns.example>", "Wachtwoord opnieuw instellen",
         "Beste reiziger,\n\nJe hebt gevraagd om je wachtwoord opnieuw in te stellen.\n"
         "Stel een nieuw wachtwoord in via: https://www.ns.example/mijnns/wachtwoord-herstellen?token=7c1ee04b\n\n"
         "Je OV-chipkaart 3528 0100 1234 5678 blijft gewoon werken.\nNS Reizigers B.V., Laan van Puntenburg 100, 3511 ER Utrecht",
         "<p>Beste reiziger,</p><p>Je hebt gevraagd om je wachtwoord opnieuw in te stellen.</p>"
         "<p><a href='https://www.ns.example/mijnns/wachtwoord-herstellen?token=7c1ee04b'>Nieuw wachtwoord instellen</a></p>",
         None, "https://www.ns.example/mijnns/wachtwoord-herstellen?token=7c1ee04b", cte="quoted-printable"),
    Mail("nl-05-nieuwsbrief", "newsletter", "Albert Heijn <nieuwsbrief@ah.example>", "Bonus van week 14: 2e halve prijs",
         None,
         "<h1>Bonus week 14</h1><p>Van maandag 30 maart t/m zondag 5 april 2026.</p><p>Verse pasta 2 voor 4,99</p>"
         "<p><a href='https://ah.example/bonus?utm_campaign=wk14'>Bekijk alle aanbiedingen</a></p>"
         "<p>Je bonuskaart eindigt op 2207. <a href='https://ah.example/nieuwsbrief/afmelden'>Afmelden</a></p>",
         None, None),
    Mail("nl-06-pakket", "shipping", "PostNL <noreply@postnl.example>", "Je pakket wordt vandaag bezorgd",
         "Goed nieuws! Je pakket 3SABCD1234567 wordt vandaag tussen 14:15 en 16:45 bezorgd op Damrak 1, 1012 LG Amsterdam.\n"
         "Volg je pakket: https://jouw.postnl.example/track-and-trace/3SABCD1234567-NL-1012LG",
         None, None),
    # ---------------------------------------------------------------- Polish
    Mail("pl-01-kod-weryfikacyjny", "signup", "Allegro <noreply@allegro.example>", "Twój kod weryfikacyjny",
         "Cześć!\n\nTwój kod weryfikacyjny to: 614 207\n\nKod jest ważny przez 15 minut.\n\n"
         "Allegro.pl sp. z o.o., ul. Grunwaldzka 182, 60-166 Poznań, NIP 5252674798",
         None, "614207"),
    Mail("pl-02-blik", "2fa", "mBank <powiadomienia@mbank.example>", "Kod SMS do autoryzacji",
         None,
         "<p>Dzień dobry,</p><p>Kod autoryzacyjny do przelewu na kwotę 2 350,00 zł z dnia 30.03.2026: <b>8803</b></p>"
         "<p>Nr rachunku odbiorcy: 61 1090 1014 0000 0712 1981 2874</p><p>Infolinia: 801 300 800</p>",
         "8803", cte="quoted-printable"),
    Mail("pl-03-haslo", "reset", "OLX <noreply@olx.example>", "Zresetuj hasło",
         "Witaj,\n\nOtrzymaliśmy prośbę o zresetowanie hasła do Twojego konta OLX.\n"
         "Kliknij w link, aby ustawić nowe hasło:\nhttps://www.olx.example/konto/haslo/reset/?token=aP31sKe8d\n\n"
         "Jeśli to nie Ty, zignoruj tę wiadomość.\nOLX sp. z o.o., ul. Królowej Jadwigi 43, 61-872 Poznań",
         None, None, "https://www.olx.example/konto/haslo/reset/?token=aP31sKe8d"),
    Mail("pl-04-zamowienie", "receipt", "Empik <zamowienia@empik.example>", "Potwierdzenie zamówienia nr 22418830",
         None,
         "<p>Dziękujemy za zamówienie nr 22418830 z dnia 29.03.2026.</p><p>Razem do zapłaty: 149,99 zł</p>"
         "<p>Odbiór w salonie: ul. Marszałkowska 116/122, 00-017 Warszawa</p><p>Telefon: 22 462 72 50</p>",
         None, None),
    Mail("pl-05-logowanie-b64", "signin", "Booksy <no-reply@booksy.example>", "Kod logowania",
         "Twój jednorazowy kod logowania: 27 19 55\n\nNie udostępniaj go nikomu. Wizyta: 04.04.2026, godz. 17:30.",
         None, "271955", cte="base64"),
    Mail("pl-06-aktywuj", "signup", "Pyszne.pl <info@pyszne.example>", "Aktywuj swoje konto",
         None,
         "<p>Cześć Kasia!</p><p>Aby aktywować konto, kliknij przycisk poniżej.</p>"
         "<p><a href='https://www.pyszne.example/konto/aktywacja/5f1d0a7c9b'>Aktywuj konto</a></p>"
         "<p><a href='https://www.pyszne.example/'><img src='https://static.pyszne.example/logo.svg' alt='Pyszne.pl'></a></p>"
         "<p><a href='https://www.pyszne.example/newsletter/wypisz'>Wypisz się</a></p>",
         None, "https://www.pyszne.example/konto/aktywacja/5f1d0a7c9b"),
    # ---------------------------------------------------------------- Turkish
    Mail("tr-01-dogrulama", "signup", "Trendyol <bilgi@trendyol.example>", "Doğrulama kodunuz",
         "Merhaba,\n\nTrendyol üyeliğinizi tamamlamak için doğrulama kodunuz: 730 514\n\n"
         "Kod 3 dakika geçerlidir. Müşteri hizmetleri: 0850 333 0 888",
         None, "730514"),
    Mail("tr-02-sifre-sifirla", "reset", "Getir <destek@getir.example>", "Şifrenizi sıfırlayın",
         None,
         "<p>Merhaba,</p><p>Şifrenizi sıfırlamak için aşağıdaki butona tıklayın. Bağlantı 1 saat geçerlidir.</p>"
         "<p><a href='https://getir.example/sifre-sifirla?t=V2hvQW1J'>Şifremi sıfırla</a></p>"
         "<p>Getir Perakende Lojistik A.Ş. · Etiler Mah. Tepecik Yolu No: 3, 34337 Beşiktaş/İstanbul</p>",
         None, "https://getir.example/sifre-sifirla?t=V2hvQW1J"),
    Mail("tr-03-tek-kullanimlik-b64", "2fa", "Garanti BBVA <bilgilendirme@garantibbva.example>", "Tek kullanımlık şifre",
         "Değerli müşterimiz,\n\n4.750,00 TL tutarındaki işleminiz için tek kullanımlık şifreniz: 95301274\n"
         "İşlem tarihi: 30.03.2026 14:05\nKartınızın son 4 hanesi: 7712\n\nBu şifreyi kimseyle paylaşmayınız.",
         None, "95301274", cte="base64"),
    Mail("tr-04-siparis", "receipt", "Hepsiburada <siparis@hepsiburada.example>", "Siparişiniz alındı: 4451209837",
         "Sipariş numarası: 4451209837\nSipariş tarihi: 28.03.2026\nToplam: 1.299,90 TL\n"
         "Teslimat adresi: Bağdat Cad. No: 210, 34728 Kadıköy/İstanbul\nKargo takip: https://hepsiburada.example/siparislerim/4451209837",
         None, None),
    Mail("tr-05-giris-kodu", "signin", "Yemeksepeti <noreply@yemeksepeti.example>", "Giriş kodun",
         None,
         "<p>Giriş yapmak için bu kodu kullan:</p><div style='font-size:34px;letter-spacing:10px'>4 0 8 1</div>"
         "<p>Bu kodu kimseyle paylaşma. 2026 © Yemeksepeti</p>",
         "4081"),
    Mail("tr-06-bulten", "newsletter", "Migros <bulten@migros.example>", "Haftanın fırsatları burada!",
         None,
         "<h2>Bu hafta %40'a varan indirim</h2><p>26 Mart - 1 Nisan 2026 tarihleri arasında geçerlidir.</p>"
         "<p>Money kart numaranız 5041 ile biten kartınıza 250 puan yüklendi.</p>"
         "<p><a href='https://www.migros.example/kampanyalar'>Fırsatları gör</a> · <a href='https://www.migros.example/abonelik-iptal'>Abonelikten çık</a></p>",
         None, None),
    # ---------------------------------------------------------------- Russian
    Mail("ru-01-kod-podtverzhdeniya", "signup", "Госуслуги <no-reply@gosuslugi.example>", "Код подтверждения",
         "Здравствуйте!\n\nКод подтверждения: 418 250\n\nНикому не сообщайте этот код. Он действует 5 минут.\n"
         "Служба поддержки: 8 800 100-70-10",
         None, "418250"),
    Mail("ru-02-vkhod", "signin", "Яндекс ID <noreply@id.yandex.example>", "Код для входа в Яндекс ID",
         None,
         "<p>Здравствуйте, Иван!</p><p>Ваш код для входа:</p><p style='font-size:30px'><b>6 0 2 9 4 1</b></p>"
         "<p>Вход выполнен 30.03.2026 в 12:47 (Москва), браузер Chrome 124.</p><p>© 2001–2026 ООО «Яндекс», 119021, Москва, ул. Льва Толстого, 16</p>",
         "602941", cte="base64"),
    Mail("ru-03-sbros", "reset", "Ozon <noreply@ozon.example>", "Восстановление пароля",
         "Добрый день!\n\nЧтобы задать новый пароль, перейдите по ссылке:\nhttps://www.ozon.example/my/password/restore?token=b8Qz4Lk0\n\n"
         "Ссылка действительна 24 часа. Заказ № 28371520-0041 доставлен 28.03.2026.",
         None, None, "https://www.ozon.example/my/password/restore?token=b8Qz4Lk0"),
    Mail("ru-04-zakaz", "receipt", "Wildberries <info@wildberries.example>", "Ваш заказ оформлен",
         None,
         "<p>Спасибо за заказ!</p><p>Номер заказа: 119284736</p><p>Сумма: 3 490 ₽ · Дата: 29.03.2026</p>"
         "<p>Пункт выдачи: 125009, Москва, ул. Тверская, д. 7 · тел. +7 (495) 775-55-05</p>",
         None, None),
    Mail("ru-05-2fa-alnum", "2fa", "Хабр <noreply@habr.example>", "Одноразовый код для входа",
         "Привет!\n\nТвой одноразовый код: HB7-Q9K\n\nЕсли ты не пытался войти, смени пароль.",
         None, "HB7-Q9K", cte="quoted-printable"),
    Mail("ru-06-aktivatsiya", "signup", "Авито <noreply@avito.example>", "Подтвердите адрес электронной почты",
         None,
         "<p>Здравствуйте!</p><p>Чтобы завершить регистрацию, подтвердите адрес электронной почты.</p>"
         "<p><a href='https://www.avito.example/profile/confirm_email?hash=0c9d41af7e'>Подтвердить адрес</a></p>"
         "<p><a href='https://www.avito.example/unsubscribe?id=77'>Отписаться от рассылки</a></p>",
         None, "https://www.avito.example/profile/confirm_email?hash=0c9d41af7e"),
    # ---------------------------------------------------------------- Ukrainian
    Mail("uk-01-kod", "signin", "Дія <noreply@diia.example>", "Код для входу",
         "Вітаємо!\n\nВаш код для входу: 5193\n\nНікому не повідомляйте цей код. Дійсний 3 хвилини.\nКонтакт-центр: 0 800 35 12 28",
         None, "5193"),
    Mail("uk-02-pidtverdzhennya", "signup", "Rozetka <info@rozetka.example>", "Підтвердження реєстрації",
         None,
         "<p>Дякуємо за реєстрацію!</p><p>Ваш код підтвердження:</p><p style='font-size:28px'><b>803 617</b></p>"
         "<p>Замовлення № 347712098 від 27.03.2026 на суму 2 199 грн.</p><p>04070, м. Київ, вул. Сагайдачного, 6</p>",
         "803617", cte="base64"),
    Mail("uk-03-parol", "reset", "Нова пошта <noreply@novaposhta.example>", "Відновлення пароля",
         "Доброго дня!\n\nЩоб відновити пароль, перейдіть за посиланням:\n"
         "https://new.novaposhta.example/password/restore?key=Rt6mP2zq\n\nПосилання дійсне 1 годину.",
         None, None, "https://new.novaposhta.example/password/restore?key=Rt6mP2zq"),
    Mail("uk-04-posylka", "shipping", "Нова пошта <info@novaposhta.example>", "Ваша посилка прибула",
         "Посилка 20450712345678 прибула у відділення №12, вул. Хрещатик, 22, Київ, 01001.\n"
         "Отримайте до 06.04.2026. Сума до сплати: 350 грн.\nТелефон: 0 800 500 609",
         None, None),
    Mail("uk-05-privat-otp", "2fa", "ПриватБанк <info@privatbank.example>", "Одноразовий пароль",
         None,
         "<p>Одноразовий пароль для підтвердження платежу 1 500,00 грн: <b>40718293</b></p>"
         "<p>Картка *4417 · 30.03.2026 16:20</p>",
         "40718293", cte="quoted-printable"),
    Mail("uk-06-aktyvuvaty", "signup", "Prom.ua <noreply@prom.example>", "Активуйте обліковий запис",
         None,
         "<p>Вітаємо на Prom.ua!</p><p>Натисніть кнопку, щоб активувати обліковий запис:</p>"
         "<p><a href='https://prom.example/activate?token=ZmVkb3JhMjA'>Активувати</a></p>"
         "<p><a href='https://prom.example/unsubscribe'>Відписатися</a></p>",
         None, "https://prom.example/activate?token=ZmVkb3JhMjA"),
    # ---------------------------------------------------------------- Swedish
    Mail("sv-01-engangskod", "signin", "Klarna <noreply@klarna.example>", "Din engångskod",
         "Hej!\n\nDin engångskod är 284 093.\n\nKoden gäller i 10 minuter. Dela den aldrig med någon.\n"
         "Klarna Bank AB (publ), Sveavägen 46, 111 34 Stockholm. Org.nr 556737-0431",
         None, "284093"),
    Mail("sv-02-verifiera", "signup", "Blocket <noreply@blocket.example>", "Verifiera din e-postadress",
         None,
         "<p>Hej!</p><p>Klicka på knappen för att verifiera din e-postadress och aktivera ditt konto.</p>"
         "<p><a href='https://www.blocket.example/konto/verifiera?t=hQ2dL9ap'>Verifiera e-postadress</a></p>"
         "<p><a href='https://www.blocket.example/avregistrera'>Avregistrera</a></p>",
         None, "https://www.blocket.example/konto/verifiera?t=hQ2dL9ap"),
    Mail("sv-03-losenord", "reset", "SJ <noreply@sj.example>", "Återställ ditt lösenord",
         "Hej,\n\nDu har begärt att återställa ditt lösenord. Klicka på länken:\n"
         "https://www.sj.example/konto/aterstall-losenord?token=93ab71ce\n\nDin bokning ABC1234 den 2026-04-03 påverkas inte.",
         None, None, "https://www.sj.example/konto/aterstall-losenord?token=93ab71ce", cte="quoted-printable"),
    Mail("sv-04-kvitto", "receipt", "Apotea <order@apotea.example>", "Orderbekräftelse 6612048",
         "Tack för din beställning!\n\nOrdernummer: 6612048\nDatum: 2026-03-29\nSumma: 412,00 kr\n"
         "Leveransadress: Storgatan 5, 411 38 Göteborg\nKundtjänst: 010-201 80 00",
         None, None),
    Mail("sv-05-kod-b64", "2fa", "Kivra <noreply@kivra.example>", "Verifieringskod",
         "Hej,\n\nAnvänd verifieringskoden nedan för att logga in:\n\n715 206\n\nMvh Kivra",
         None, "715206", cte="base64"),
    Mail("sv-06-nyhetsbrev", "newsletter", "IKEA <nyhetsbrev@ikea.example>", "Nyheter i vår – 2026",
         None,
         "<h1>Vårnyheter 2026</h1><p>Soffa KIVIK 3-sits nu 5 995 kr.</p>"
         "<p><a href='https://www.ikea.example/se/sv/nyheter/'>Se nyheterna</a></p>"
         "<p>IKEA Family-nummer 6275 9800 1234 5678. <a href='https://www.ikea.example/se/sv/avregistrera'>Avregistrera</a></p>",
         None, None),
    # ---------------------------------------------------------------- Czech
    Mail("cs-01-overovaci-kod", "signup", "Alza.cz <noreply@alza.example>", "Váš ověřovací kód",
         "Dobrý den,\n\nváš ověřovací kód je 530 918.\n\nKód platí 10 minut.\n"
         "Alza.cz a.s., Jankovcova 1522/53, 170 00 Praha 7, IČO 27082440",
         None, "530918"),
    Mail("cs-02-prihlaseni", "magic", "Rohlík.cz <info@rohlik.example>", "Přihlášení do účtu",
         None,
         "<p>Dobrý den,</p><p>pro přihlášení do účtu klikněte na tlačítko níže. Odkaz platí 15 minut.</p>"
         "<p><a href='https://www.rohlik.example/prihlaseni/odkaz?t=c2VyYXBo'>Přihlásit se</a></p>"
         "<p><a href='https://www.rohlik.example/odhlasit-odber'>Odhlásit odběr</a></p>",
         None, "https://www.rohlik.example/prihlaseni/odkaz?t=c2VyYXBo"),
    Mail("cs-03-heslo", "reset", "Seznam.cz <noreply@seznam.example>", "Obnovení hesla",
         "Dobrý den,\n\npro obnovení hesla k účtu jan.novak klikněte na tento odkaz:\n"
         "https://login.seznam.example/obnova-hesla?key=4f0c9ab2e1\n\nPokud jste o obnovení nežádali, e-mail ignorujte.",
         None, None, "https://login.seznam.example/obnova-hesla?key=4f0c9ab2e1"),
    Mail("cs-04-objednavka", "receipt", "Mall.cz <objednavky@mall.example>", "Potvrzení objednávky č. 3012874410",
         None,
         "<p>Děkujeme za objednávku č. 3012874410 ze dne 28. 3. 2026.</p><p>Celkem: 2 490 Kč</p>"
         "<p>Doručení: Na Příkopě 22, 110 00 Praha 1 · Zákaznická linka 226 000 100</p>",
         None, None),
    Mail("cs-05-sms-kod-qp", "2fa", "Fio banka <info@fio.example>", "Autorizační kód",
         "Autorizační kód pro platbu 12 500,00 CZK na účet 2000123456/2010: 63817204\n"
         "Platnost do 30.03.2026 15:10.",
         None, "63817204", cte="quoted-printable"),
    Mail("cs-06-doruceni", "shipping", "Zásilkovna <info@zasilkovna.example>", "Zásilka je připravena k vyzvednutí",
         "Dobrý den,\nzásilka Z 612 3456 789 je připravena k vyzvednutí na výdejním místě Vinohradská 12, 120 00 Praha 2.\n"
         "Heslo pro vyzvednutí: 1402\nUložní doba do 06.04.2026.",
         None, None),
]
