"""Words that mark one-time codes, decoys and link kinds, in the languages mail is written in.

All lower case. A trailing `*` lets a word take inflections (Polish `kodu`, Turkish `kodunuz`,
Russian `кода`). Words in scripts without spaces between words (Chinese, Japanese, Korean,
Thai) and in Arabic and Devanagari (attached particles) match anywhere; the others only as
whole words.
"""

from __future__ import annotations

import re

from .wordlists import substring_regex

# fmt: off
# --- code cues -----------------------------------------------------------------------------
# Strong: the word names a code ("code", "OTP", "PIN", "TAN", "код", "验证码").
STRONG_CODE_CUES = [
    # en
    "code", "codes", "passcode", "otp", "pin", "one-time password", "one time password", "security code",
    "verification code", "login code", "sign-in code", "2fa",
    # es, pt
    "código", "codigo", "clave", "contraseña de un solo uso", "senha de uso único", "código de acesso",
    # fr
    "code de vérification", "code de sécurité", "mot de passe à usage unique",
    # de
    "bestätigungscode", "sicherheitscode", "einmalcode", "anmeldecode", "verifizierungscode", "tan",
    "einmalpasswort", "freigabecode",
    # it
    "codice", "codice otp",
    # nl
    "verificatiecode", "bevestigingscode", "inlogcode", "beveiligingscode", "sms-code",
    # pl
    "kod*", "hasło jednorazowe",
    # tr
    "kod*", "şifre*", "tek kullanımlık",
    # ru, uk
    "код*", "одноразовый пароль", "одноразовий пароль", "пароль для входа",
    # sv
    "kod*", "engångskod*", "verifieringskod*", "bekräftelsekod*", "säkerhetskod*",
    # cs
    "kód*", "jednorázové heslo", "jednorázový kód",
    # id
    "kode", "kode otp",
    # vi
    "mã",
    # hi (Devanagari and its loanwords)
    "कोड", "ओटीपी", "पासकोड", "वन टाइम पासवर्ड",
    # ar
    "رمز", "الرمز", "كود", "كلمة المرور لمرة واحدة",
    # ja
    "認証コード", "確認コード", "コード", "ワンタイムパスワード", "認証番号", "確認番号", "暗証番号",
    "パスコード",
    # zh
    "验证码", "驗證碼", "校验码", "校驗碼", "动态码", "動態碼", "动态密码", "认证码", "確認碼", "确认码",
    "一次性密码",
    # ko
    "인증번호", "인증 번호", "인증코드", "인증 코드", "확인 코드", "보안 코드", "코드", "일회용 비밀번호",
]
# Weak: a word about verifying or signing in; a number must stand right by it.
WEAK_CODE_CUES = [
    "verification", "verify", "confirmation", "confirm", "security", "login", "log in", "sign in",
    "sign-in", "two-factor", "authentication", "one-time", "one time", "access",
    "verificación", "verificar", "confirmación", "acceso", "verificação", "confirmação", "acesso",
    "vérification", "confirmation", "connexion", "usage unique", "sécurité",
    "bestätigung", "verifizierung", "anmeldung",
    "verifica", "conferma", "accesso", "sicurezza",
    "verificatie", "bevestiging", "inloggen",
    "weryfikacyjny", "weryfikacji", "logowania", "autoryzacyjny", "autoryzacji", "jednorazowy",
    "doğrulama", "giriş", "onay",
    "подтверждени*", "входа", "вход", "підтвердження", "входу",
    "inloggning", "logga in",
    "ověřovací", "ověření", "autorizační", "přihlášení",
    "verifikasi", "masuk",
    "xác thực", "xác minh", "xác nhận", "đăng nhập",
    "सत्यापन", "लॉगिन",
    "التحقق", "تسجيل الدخول",
    "認証", "ログイン",
    "验证", "驗證", "登录", "登入",
    "인증", "로그인",
]
# Copulas and fillers between a cue and its code ("code is", "lautet", "é", "是").
COPULAS = {
    "is", "was", "are", "es", "est", "ist", "lautet", "lautet:", "è", "é", "é:", "is:", "er", "är", "je",
    "jest", "to", "to:", "là", "adalah", "hai", "wynosi", "şudur", "este", "ist:", "kamu", "kamu:", "anda",
    "your", "the", "below", "here", "de", "du", "da", "do", "van", "för", "pro", "для", "для входа",
}

# --- decoy labels: a number after one of these is not a one-time code ----------------------
DECOY_LABELS = {
    "order number": [
        "order", "orders", "order no", "order id", "invoice", "receipt", "reference", "ref", "ticket",
        "ticket id",
        "booking", "reservation", "confirmation number", "case", "pedido", "factura", "commande", "facture",
        "dossier", "bestellung", "bestellnummer", "rechnung", "auftrag", "ordine", "fattura", "pnr",
        "bestelling", "ordernummer", "zamówienie", "zamówienia", "sipariş", "sipariş numarası",
        "заказ", "заказа", "замовлення", "objednávka", "objednávky", "objednávku", "pesanan", "đơn hàng",
        "mã đơn hàng", "注文", "注文番号", "ご注文番号", "订单", "订单编号", "訂單", "주문", "주문번호",
        "طلب",
        "الطلب", "رقم الطلب", "ऑर्डर", "ऑर्डर आईडी", "ऑर्डर संख्या", "kode booking", "bokning", "n°",
        "nº", "№",
    ],
    "tracking number": [
        "tracking", "tracking number", "shipment", "parcel", "package", "sendung", "sendungsnummer",
        "paket",
        "objeto", "rastreamento", "spedizione", "pakket", "przesyłka", "kargo", "посылка", "посилка",
        "zásilka", "försändelse", "快件", "运单", "運單", "awb", "resi", "vận đơn", "追跡番号", "取件码",
        "abholnummer", "packstation",
    ],
    "phone number": [
        "phone", "tel", "tel.", "telephone", "call", "call us", "fax", "mobile", "hotline", "helpline",
        "customer care", "customer service", "teléfono", "atención al cliente", "telefone", "ouvidoria",
        "téléphone", "service client", "telefon", "kundenservice", "servicenummer", "telefono",
        "numero verde",
        "bel", "infolinia", "müşteri hizmetleri", "телефон", "тел", "служба поддержки", "контакт-центр",
        "kundtjänst", "zákaznická linka", "linka", "cs", "tổng đài", "hotline:", "客服", "客服电话",
        "客服热线",
        "客服專線", "电话", "電話", "お問い合わせ", "고객센터", "خدمة العملاء", "هاتف", "ग्राहक सेवा",
        "डिलीवरी एजेंट", "tài xế", "派件员电话",
    ],
    "account or card number": [
        "account", "account number", "card", "card ending", "card ending in", "ending in", "iban", "bic",
        "customer number", "member", "membership", "vat", "vat id", "tax id", "ein", "nip", "cnpj", "cpf",
        "ičo", "ičo:", "kvk", "org.nr", "p.iva", "hrb", "regon", "cartafreccia", "konto", "kundennummer",
        "bahncard", "karta", "kart", "kartınızın", "карта", "картка", "účet", "účtu", "rachunku",
        "nr rachunku", "カード", "카드", "بطاقة", "number", "money kart", "bonuskaart", "ov-chipkaart",
        "family-nummer", "merchant", "ip",
    ],
    "postcode": [
        "zip", "zip code", "postcode", "postal code", "post code", "plz", "cep", "cap", "psč", "〒", "ص.ب",
        "code postal", "código postal", "kod pocztowy",
    ],
    "price": [
        "total", "amount", "price", "sum", "subtotal", "summe", "betrag", "gesamt", "importe", "montant",
        "prix", "totale", "importo", "totaal", "bedrag", "kwota", "razem", "tutar", "toplam", "сумма",
        "сума",
        "summa", "celkem", "částka", "jumlah", "tổng cộng", "số tiền", "राशि", "金额", "金額", "合計",
        "합계", "금액", "المبلغ",
    ],
}
# Words that make a "code" a discount code.
PROMO_WORDS = [
    "free", "trial", "offer", "premier mois", "offre", "essai", "gratuit", "promo", "promotion", "coupon",
    "voucher", "discount", "off", "sale", "save", "gift", "rabatt",
    "gutschein", "réduction", "remise", "promo code", "descuento", "cupón", "desconto", "cupom", "sconto",
    "buono", "korting", "rabat", "zniżka", "kupon", "indirim", "скидка", "промокод", "знижка", "rabattkod",
    "sleva", "diskon", "potongan", "giảm giá", "khuyến mãi", "छूट", "خصم", "割引", "クーポン", "优惠",
    "折扣", "优惠券", "할인", "쿠폰",
]
# Words that make a "code" something other than a sign-in code: a parcel pickup code, a booking
# reference, a gift card.
NON_LOGIN_CODE_WORDS = [
    "pickup", "pick-up", "collection", "locker", "booking", "gift card", "gift", "tracking", "parcel",
    "abholcode", "abholung", "retrait", "recogida", "retirada", "ritiro", "afhaalcode", "odbioru",
    "odbioru:",
    "teslim", "получения", "отримання", "uthämtning", "vyzvednutí", "取件", "取件码", "受取", "受け取り",
    "수령", "استلام", "पिकअप", "pengambilan", "nhận hàng",
]
CURRENCY_RE = re.compile(
    r"(?:[$€£¥₹₽₫₩￥₺₴]|r\$|rs\.?|usd|eur|gbp|jpy|inr|rub|brl|pln|czk|sek|try|uah|vnd|idr|chf|aed|sar"
    r"|zł|kč|kr|tl|грн|руб|円|元|원|درهم|ر\.س|د\.ك|rp|đ)",
    re.IGNORECASE,
)

# --- link kinds ----------------------------------------------------------------------------
VERIFY_LINK_WORDS = [
    # en
    "verify", "verification", "confirm", "confirmation", "activate", "activation", "validate", "magic link",
    "sign in", "sign-in", "log in", "login", "reset", "password", "set a new password", "get started",
    # es, pt
    "verificar", "confirmar", "activar", "restablecer", "contraseña", "iniciar sesión", "acceder",
    "redefinir",
    "senha", "ativar", "entrar", "validar",
    # fr
    "vérifier", "valider", "confirmer", "activer", "réinitialiser", "mot de passe", "se connecter",
    "connexion",
    # de
    "bestätigen", "verifizieren", "aktivieren", "zurücksetzen", "passwort", "anmelden", "einloggen",
    # it
    "conferma", "verifica", "attiva", "reimposta", "accedi",
    # nl
    "bevestig", "bevestigen", "verifieer", "activeer", "wachtwoord", "inloggen",
    # pl
    "potwierdź", "aktywuj", "zresetuj", "hasło", "zaloguj",
    # tr
    "doğrula", "onayla", "sıfırla", "şifre", "giriş yap", "etkinleştir",
    # ru, uk
    "подтверд*", "активир*", "пароль", "войти", "підтверд*", "активувати", "відновити", "увійти",
    # sv
    "verifiera", "bekräfta", "aktivera", "återställ", "lösenord", "logga in",
    # cs
    "ověřit", "potvrdit", "aktivovat", "obnovit", "heslo", "přihlásit",
    # ja, zh, ko
    "確認", "認証", "有効化", "パスワード", "ログイン", "验证", "確認", "确认", "激活", "重置", "密码",
    "登录", "驗證", "확인", "인증", "활성화", "재설정", "비밀번호", "로그인",
    # ar, hi, id, vi
    "تأكيد", "تفعيل", "إعادة تعيين", "كلمة المرور", "تسجيل الدخول", "सत्यापित", "पुष्टि", "सक्रिय",
    "रीसेट", "पासवर्ड", "लॉग इन", "verifikasi", "konfirmasi", "aktivasi", "atur ulang", "kata sandi",
    "masuk",
    "xác nhận", "xác minh", "kích hoạt", "đặt lại", "mật khẩu", "đăng nhập",
]
VERIFY_URL_WORDS = substring_regex((  # matched on the lower-cased path, query and fragment
    "verif", "confirm", "activat", "validat", "magic", "reset", "passw", "pwd", "login", "log-in", "signin",
    "sign-in", "sign_in", "callback", "auth", "otp", "token", "bevestig", "bestaetig", "bestätig", "aktivac",
    "aktywac", "restablec", "redefin", "sifre", "herstel", "aterstall", "obnova", "restore", "recover",
))
UNSUBSCRIBE_WORDS = [
    "unsubscribe", "opt out", "opt-out", "email preferences", "manage preferences", "abmelden",
    "abbestellen",
    "désinscrire", "désinscription", "se désinscrire", "désabonner", "darse de baja",
    "cancelar suscripción",
    "darme de baja", "descadastrar", "cancelar inscrição", "cancelar subscrição", "disiscriviti",
    "annulla iscrizione", "afmelden", "uitschrijven", "wypisz się", "wypisz", "abonelikten çık",
    "abonelik iptal", "отписаться", "відписатися", "avregistrera", "avsluta prenumeration",
    "odhlásit odběr", "配信停止", "退订", "取消订阅", "수신거부", "إلغاء الاشتراك", "सदस्यता समाप्त",
    "berhenti berlangganan", "hủy đăng ký",
]
UNSUBSCRIBE_URL_RE = substring_regex((  # matched on the lower-cased URL
    "unsub", "opt-out", "optout", "abmelden", "afmelden", "desinscri", "baja", "wypisz", "abonelik-iptal",
    "avregistr", "odhlasit", "mailmagazine/stop",
))
# Query parameters in which click-tracking redirects carry their target.
REDIRECT_PARAMS = (
    "url", "u", "q", "redirect", "redirect_url", "redirect_uri", "target", "dest", "destination",
    "link", "to", "r", "goto", "rurl", "href", "next",
)
ASSET_EXT_RE = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|bmp|ico|css|js|woff2?|ttf)(?:$|[?#])", re.IGNORECASE)
# fmt: on
