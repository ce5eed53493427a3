"""Corpus mails, part C: Japanese, Chinese, Korean, Arabic, Hindi, Indonesian, Vietnamese."""

from __future__ import annotations

from mailspec import Mail

MAILS = [
    # ---------------------------------------------------------------- Japanese
    Mail("ja-01-ninsho", "signin", "楽天会員 <info@rakuten.example>", "【楽天】認証コードのお知らせ",
         "楽天会員様\n\nログインのための認証コードをお送りします。\n\n認証コード：８３０２９４\n\n"
         "有効期限は30分です。お問い合わせ：0120-123-456（受付時間 9:00〜18:00）\n〒158-0094 東京都世田谷区玉川1-14-1",
         None, "830294", cte="base64"),
    Mail("ja-02-kakunin", "signup", "メルカリ <no-reply@mercari.example>", "メールアドレスの確認",
         None,
         "<p>メルカリをご利用いただきありがとうございます。</p><p>以下の確認コードを入力して、メールアドレスの確認を完了してください。</p>"
         "<p style='font-size:28px'><b>516 372</b></p><p>※このコードの有効期限は1時間です。</p>"
         "<p>株式会社メルカリ 〒106-6118 東京都港区六本木6-10-1</p>",
         "516372", cte="base64"),
    Mail("ja-03-password", "reset", "Amazon.co.jp <account-update@amazon.example>", "パスワードの再設定",
         "パスワードの再設定をリクエストしました。以下のリンクから新しいパスワードを設定してください。\n\n"
         "https://www.amazon.example/ap/forgotpassword/reverification?arb=9c1f02de&language=ja_JP\n\n"
         "このリンクは24時間有効です。注文番号 249-1234567-7654321 には影響ありません。",
         None, None, "https://www.amazon.example/ap/forgotpassword/reverification?arb=9c1f02de&language=ja_JP"),
    Mail("ja-04-order", "receipt", "ヨドバシ・ドット・コム <order@yodobashi.example>", "ご注文ありがとうございます",
         "ご注文番号：2603301234\nご注文日：2026年3月30日\n合計金額：￥12,980（税込）\n"
         "お届け先：〒160-0023 東京都新宿区西新宿1-11-1\nお問い合わせ：03-3346-1010",
         None, None),
    Mail("ja-05-onetime", "2fa", "三井住友銀行 <info@smbc.example>", "ワンタイムパスワードのお知らせ",
         None,
         "<p>お客さまのワンタイムパスワードは以下のとおりです。</p><p><b>４７１９２０３８</b></p>"
         "<p>振込金額：50,000円　受付日時：2026/03/30 10:15</p>",
         "47192038", cte="quoted-printable"),
    Mail("ja-06-newsletter", "newsletter", "無印良品 <news@muji.example>", "春の新商品のご案内 2026",
         None,
         "<h2>春の新商品</h2><p>3月27日（金）〜4月9日（木）まで、MUJIカード会員様は10％オフ。</p>"
         "<p><a href='https://www.muji.example/jp/feature/spring2026/'>詳しくはこちら</a></p>"
         "<p><a href='https://www.muji.example/jp/mailmagazine/stop'>配信停止</a></p>",
         None, None),
    # ---------------------------------------------------------------- Chinese
    Mail("zh-01-yanzhengma", "signup", "淘宝网 <service@taobao.example>", "【淘宝】注册验证码",
         "亲爱的用户：\n\n您的注册验证码是：４０９１７２，10分钟内有效，请勿泄露给他人。\n\n客服热线：95188",
         None, "409172", cte="base64"),
    Mail("zh-02-denglu", "signin", "哔哩哔哩 <noreply@bilibili.example>", "登录验证",
         None,
         "<p>您好！</p><p>您正在登录哔哩哔哩，本次登录验证码为：</p><p style='font-size:30px'><b>7 3 8 2 0 5</b></p>"
         "<p>验证码5分钟内有效。如非本人操作，请忽略本邮件。</p><p>© 2009-2026 bilibili 上海市杨浦区政立路485号</p>",
         "738205", cte="base64"),
    Mail("zh-03-chongzhi", "reset", "京东 <jd@jd.example>", "重置密码",
         "您好，\n\n我们收到了重置您京东账户密码的请求。请点击以下链接设置新密码：\n"
         "https://passport.jd.example/uc/resetPwd?token=a91b0c7d2e\n\n链接24小时内有效。订单号 287364512903 不受影响。",
         None, None, "https://passport.jd.example/uc/resetPwd?token=a91b0c7d2e"),
    Mail("zh-04-dingdan", "receipt", "拼多多 <order@pinduoduo.example>", "订单支付成功",
         "订单编号：260330-418273645129\n支付金额：¥ 89.90\n下单时间：2026-03-30 11:24\n"
         "收货地址：北京市朝阳区建国路88号 100022\n客服电话：021-5361 7777",
         None, None),
    Mail("zh-05-tw-jiaoyan", "2fa", "蝦皮購物 <noreply@shopee.example>", "您的驗證碼",
         None,
         "<p>親愛的會員您好：</p><p>您的驗證碼為 <b>552031</b>，請於10分鐘內完成驗證。</p>"
         "<p>客服專線：(02) 2652-6888 · 台北市信義區市府路45號</p>",
         "552031", cte="quoted-printable"),
    Mail("zh-06-wuliu", "shipping", "顺丰速运 <noreply@sf-express.example>", "您的快件正在派送",
         None,
         "<p>您的快件 SF1402837465921 正在派送中，预计今天 14:00-16:00 送达。</p>"
         "<p>派件员电话：138 0013 8000</p><p>取件码：6-2-3015</p>"
         "<p><a href='https://www.sf-express.example/cn/sc/dynamic_function/waybill/#search/bill-number/SF1402837465921'>查看物流</a></p>",
         None, None),
    # ---------------------------------------------------------------- Korean
    Mail("ko-01-injeungbeonho", "signup", "쿠팡 <noreply@coupang.example>", "[쿠팡] 인증번호 안내",
         "안녕하세요.\n\n회원가입을 위한 인증번호는 [407135] 입니다.\n\n인증번호는 3분간 유효합니다.\n"
         "쿠팡 주식회사 · 서울특별시 송파구 송파대로 570 · 고객센터 1577-7011",
         None, "407135", cte="base64"),
    Mail("ko-02-login", "signin", "네이버 <navercorp@navercorp.example>", "로그인 인증 코드",
         None,
         "<p>네이버 로그인을 위한 인증 코드입니다.</p><p style='font-size:30px'><b>2 8 4 6 1 9</b></p>"
         "<p>요청 일시: 2026.03.30 10:11</p><p>경기도 성남시 분당구 정자일로 95, 13561</p>",
         "284619", cte="quoted-printable"),
    Mail("ko-03-password", "reset", "토스 <support@toss.example>", "비밀번호 재설정",
         "비밀번호 재설정을 요청하셨습니다. 아래 링크를 눌러 새 비밀번호를 설정해 주세요.\n"
         "https://toss.example/account/password/reset?t=Q0xFTTk4\n\n링크는 30분 동안 유효합니다.",
         None, None, "https://toss.example/account/password/reset?t=Q0xFTTk4"),
    Mail("ko-04-order", "receipt", "배달의민족 <order@baemin.example>", "주문이 접수되었습니다",
         None,
         "<p>주문번호: B1QP0040KX</p><p>결제 금액: 23,500원</p><p>주문 일시: 2026-03-30 19:02</p>"
         "<p>배달 주소: 서울시 강남구 테헤란로 152, 06236</p>",
         None, None),
    Mail("ko-05-2fa", "2fa", "카카오 <noreply@kakao.example>", "카카오계정 2단계 인증",
         "카카오계정 2단계 인증 번호\n\n59 03 71\n\n본인이 요청하지 않았다면 비밀번호를 변경하세요.",
         None, "590371"),
    Mail("ko-06-newsletter", "newsletter", "무신사 <news@musinsa.example>", "봄 시즌 최대 70% 할인",
         None,
         "<h1>2026 봄 세일</h1><p>3월 30일부터 4월 5일까지 최대 70% 할인!</p><p>쿠폰 코드 SPRING26 (5,000원 할인)</p>"
         "<p><a href='https://www.musinsa.example/campaign/spring'>지금 쇼핑하기</a> · <a href='https://www.musinsa.example/mail/unsubscribe'>수신거부</a></p>",
         None, None),
    # ---------------------------------------------------------------- Arabic
    Mail("ar-01-rmz-tahaqquq", "signup", "نون <no-reply@noon.example>", "رمز التحقق الخاص بك",
         "مرحباً،\n\nرمز التحقق الخاص بك هو: ٤٨٢٠٧١\n\nصالح لمدة 10 دقائق. لا تشاركه مع أي شخص.\n"
         "خدمة العملاء: 800 38888",
         None, "482071", cte="base64"),
    Mail("ar-02-login", "signin", "طلبات <no-reply@talabat.example>", "رمز تسجيل الدخول",
         None,
         "<div dir='rtl'><p>استخدم الرمز التالي لتسجيل الدخول إلى حسابك:</p><p style='font-size:28px'><b>7305</b></p>"
         "<p>طلبك رقم 884120 بقيمة 45.500 د.ك تم توصيله في 2026/03/29.</p></div>",
         "7305", cte="base64"),
    Mail("ar-03-kalimat-sir", "reset", "كريم <support@careem.example>", "إعادة تعيين كلمة المرور",
         None,
         "<div dir='rtl'><p>لقد طلبت إعادة تعيين كلمة المرور.</p>"
         "<p><a href='https://app.careem.example/reset-password?token=ZHVuZTk5'>إعادة تعيين كلمة المرور</a></p>"
         "<p><a href='https://www.careem.example/ar-ae/unsubscribe'>إلغاء الاشتراك</a></p></div>",
         None, "https://app.careem.example/reset-password?token=ZHVuZTk5"),
    Mail("ar-04-talab", "receipt", "أمازون.ae <order-update@amazon.example>", "تم تأكيد طلبك",
         "شكراً لطلبك.\n\nرقم الطلب: 402-8817234-1190021\nالمبلغ الإجمالي: 249.00 درهم\nتاريخ الطلب: 30 مارس 2026\n"
         "العنوان: شارع الشيخ زايد، دبي، ص.ب 12345\nهاتف: 800-26639",
         None, None),
    Mail("ar-05-otp-bank", "2fa", "بنك الراجحي <alerts@alrajhibank.example>", "كلمة المرور لمرة واحدة",
         "عميلنا العزيز،\nكلمة المرور لمرة واحدة لعملية الشراء بمبلغ 1,200.00 ر.س هي ٩٠٣٤١٧٢٦\nلا تشاركها مع أحد.",
         None, "90341726", cte="quoted-printable"),
    Mail("ar-06-tafeel", "signup", "أنغامي <noreply@anghami.example>", "فعّل حسابك",
         None,
         "<div dir='rtl'><p>أهلاً بك في أنغامي!</p><p>اضغط على الزر لتأكيد بريدك الإلكتروني وتفعيل حسابك.</p>"
         "<p><a href='https://www.anghami.example/verify-email?code=aW5kaWdv'>تأكيد البريد الإلكتروني</a></p>"
         "<p><a href='https://www.instagram.example/anghami'><img src='https://cdn.anghami.example/ig.png' alt='Instagram'></a></p></div>",
         None, "https://www.anghami.example/verify-email?code=aW5kaWdv"),
    # ---------------------------------------------------------------- Hindi
    Mail("hi-01-otp", "signin", "फ्लिपकार्ट <noreply@flipkart.example>", "आपका OTP",
         "नमस्ते,\n\nलॉगिन के लिए आपका OTP 618204 है। यह 10 मिनट के लिए मान्य है।\n"
         "कृपया इसे किसी के साथ साझा न करें।\nग्राहक सेवा: 1800 202 9898",
         None, "618204", cte="base64"),
    Mail("hi-02-satyapan", "signup", "पेटीएम <no-reply@paytm.example>", "सत्यापन कोड",
         None,
         "<p>प्रिय ग्राहक,</p><p>आपका सत्यापन कोड है:</p><p style='font-size:28px'><b>३०५८१२</b></p>"
         "<p>ऑर्डर संख्या 1120394857 · ₹ 1,499 · 30/03/2026</p>",
         "305812", cte="base64"),
    Mail("hi-03-password", "reset", "आईआरसीटीसी <care@irctc.example>", "पासवर्ड रीसेट करें",
         "नमस्ते,\n\nअपना पासवर्ड रीसेट करने के लिए नीचे दिए गए लिंक पर क्लिक करें:\n"
         "https://www.irctc.example/nget/profile/reset-password?tkn=8a7b6c5d\n\nPNR 4512873690 पर इसका कोई प्रभाव नहीं पड़ेगा।",
         None, None, "https://www.irctc.example/nget/profile/reset-password?tkn=8a7b6c5d"),
    Mail("hi-04-order", "receipt", "मीशो <orders@meesho.example>", "आपका ऑर्डर कन्फ़र्म हो गया है",
         "ऑर्डर आईडी: 148203948571\nकुल राशि: ₹ 599\nडिलीवरी पता: सेक्टर 18, नोएडा, उत्तर प्रदेश 201301\n"
         "अनुमानित डिलीवरी: 04 अप्रैल 2026",
         None, None),
    Mail("hi-05-en-mixed", "2fa", "HDFC Bank <alerts@hdfcbank.example>", "One Time Password (OTP) - लेनदेन",
         None,
         "<p>प्रिय ग्राहक,</p><p>Rs. 4,500.00 के लेनदेन के लिए आपका वन टाइम पासवर्ड (OTP) <b>73920415</b> है।</p>"
         "<p>Card ending 2231 · 30-03-2026 13:40 IST · Customer care 1800 202 6161</p>",
         "73920415", cte="quoted-printable"),
    Mail("hi-06-shipping", "shipping", "डेल्हीवरी <noreply@delhivery.example>", "आपका पैकेज रास्ते में है",
         None,
         "<p>आपका पैकेज (AWB 1490281734621) आज डिलीवर होगा।</p><p>डिलीवरी एजेंट: 98100 12345</p>"
         "<p><a href='https://www.delhivery.example/track/package/1490281734621'>पैकेज ट्रैक करें</a></p>",
         None, None),
    # ---------------------------------------------------------------- Indonesian
    Mail("id-01-kode-verifikasi", "signup", "Tokopedia <noreply@tokopedia.example>", "Kode Verifikasi Tokopedia",
         "Halo,\n\nKode verifikasi kamu: 250 914\n\nJangan berikan kode ini kepada siapa pun, termasuk pihak Tokopedia.\n"
         "Tokopedia Tower, Jl. Prof. Dr. Satrio Kav. 11, Jakarta 12940",
         None, "250914"),
    Mail("id-02-otp", "signin", "Gojek <no-reply@gojek.example>", "Kode OTP untuk masuk",
         None,
         "<p>Hai!</p><p>Masukkan kode OTP berikut untuk masuk ke akun Gojek kamu:</p><p style='font-size:30px'><b>8 1 6 4</b></p>"
         "<p>Pesanan GoFood F-1029384756 senilai Rp 58.000 pada 30/03/2026.</p>",
         "8164", cte="base64"),
    Mail("id-03-atur-ulang", "reset", "Traveloka <noreply@traveloka.example>", "Atur ulang kata sandi",
         None,
         "<p>Kami menerima permintaan untuk mengatur ulang kata sandi akun Traveloka kamu.</p>"
         "<p><a href='https://email.traveloka.example/c/eJxNkM1ugzAQhJ8?u=https%3A%2F%2Fwww.traveloka.example%2Fid-id%2Freset-password%3Ftoken%3DbWVsb24'>Atur Ulang Kata Sandi</a></p>"
         "<p>Kode booking 998812733 tidak terpengaruh.</p>",
         None, "https://www.traveloka.example/id-id/reset-password?token=bWVsb24"),
    Mail("id-04-pesanan", "receipt", "Shopee Indonesia <info@shopee.example>", "Pesanan #260330QWERTY telah dibayar",
         "Terima kasih! Pembayaran untuk pesanan #260330QWERTY sebesar Rp 149.000 telah diterima pada 30-03-2026.\n"
         "Alamat: Jl. Sudirman No. 1, Jakarta Pusat 10220\nCS: 1500 702",
         None, None),
    Mail("id-05-aktivasi", "signup", "Bukalapak <noreply@bukalapak.example>", "Aktivasi akun Bukalapak",
         "Halo,\n\nKlik link berikut untuk aktivasi akun kamu:\nhttps://www.bukalapak.example/account/activate?code=dGFuYWg\n\n"
         "Link berlaku 2x24 jam.",
         None, None, "https://www.bukalapak.example/account/activate?code=dGFuYWg", cte="quoted-printable"),
    Mail("id-06-newsletter", "newsletter", "Blibli <news@blibli.example>", "Promo Gajian! Diskon s.d 50%",
         None,
         "<h1>Promo Gajian 25-31 Maret 2026</h1><p>Pakai kode GAJIAN50 untuk potongan Rp 50.000.</p>"
         "<p><a href='https://www.blibli.example/promosi/gajian'>Belanja sekarang</a> · <a href='https://www.blibli.example/unsubscribe'>Berhenti berlangganan</a></p>",
         None, None),
    # ---------------------------------------------------------------- Vietnamese
    Mail("vi-01-ma-xac-thuc", "signup", "Shopee Việt Nam <noreply@shopee.example>", "Mã xác thực của bạn",
         "Xin chào,\n\nMã xác thực của bạn là 731 046. Mã có hiệu lực trong 5 phút.\n"
         "Không chia sẻ mã này với bất kỳ ai.\nHotline: 1900 1221",
         None, "731046"),
    Mail("vi-02-otp-bank", "2fa", "Vietcombank <noreply@vietcombank.example>", "Mã OTP giao dịch",
         None,
         "<p>Quý khách vui lòng nhập mã OTP <b>40918276</b> để hoàn tất giao dịch chuyển khoản 5.000.000 VND ngày 30/03/2026.</p>"
         "<p>Tổng đài: 1900 54 54 13</p>",
         "40918276", cte="base64"),
    Mail("vi-03-dat-lai", "reset", "Tiki <hotro@tiki.example>", "Đặt lại mật khẩu",
         "Chào bạn,\n\nNhấn vào liên kết sau để đặt lại mật khẩu:\nhttps://tiki.example/customer/account/reset-password?token=c29uZ2hv\n\n"
         "Liên kết có hiệu lực trong 24 giờ.",
         None, None, "https://tiki.example/customer/account/reset-password?token=c29uZ2hv"),
    Mail("vi-04-don-hang", "receipt", "Lazada <order@lazada.example>", "Xác nhận đơn hàng 520198374612",
         None,
         "<p>Cảm ơn bạn đã đặt hàng!</p><p>Mã đơn hàng: 520198374612</p><p>Tổng cộng: 349.000 ₫</p>"
         "<p>Địa chỉ: 72 Lê Thánh Tôn, Quận 1, TP. Hồ Chí Minh 700000</p>",
         None, None),
    Mail("vi-05-dang-nhap", "signin", "Zalo <noreply@zalo.example>", "Mã đăng nhập Zalo",
         None,
         "<p>Mã đăng nhập của bạn:</p><p style='font-size:30px;letter-spacing:8px'>5 2 9 8 0 3</p>"
         "<p>Nếu không phải bạn, hãy đổi mật khẩu ngay.</p>",
         "529803", cte="quoted-printable"),
    Mail("vi-06-giao-hang", "shipping", "Giao Hàng Nhanh <noreply@ghn.example>", "Đơn hàng đang được giao",
         "Đơn hàng GHN 5HLKQ8TN của bạn đang được giao. Dự kiến nhận: 31/03/2026.\n"
         "Tài xế: 0903 123 456\nTheo dõi: https://donhang.ghn.example/?order_code=5HLKQ8TN",
         None, None),
]
