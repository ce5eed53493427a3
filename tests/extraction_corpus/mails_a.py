"""Corpus mails, part A: English, Spanish, Portuguese, French, German.

Written from the shape of real services' mails (not from the extractor). Each entry:
Mail(id, kind, sender, subject, text, html, code, link, cte). `code` is what a person would
type (None: none), `link` the one to click to verify/sign in/reset (None: none).
"""

from __future__ import annotations

from mailspec import Mail

MAILS = [
    # ---------------------------------------------------------------- English
    Mail("en-01-github-device", "2fa", "GitHub <noreply@github.example>", "[GitHub] Please verify your device",
         "Hey octo-dev!\n\nA sign in attempt requires further verification because we did not recognize your device. "
         "To complete the sign in, enter the verification code on the unrecognized device.\n\n"
         "Device: Chrome on Windows\nVerification code: 318402\n\n"
         "If you did not attempt to sign in to your account, your password may be compromised. Visit "
         "https://github.example/settings/security to create a new, strong password for your GitHub account.\n\n"
         "Thanks,\nThe GitHub Team\n\nGitHub, Inc. 88 Colin P Kelly Jr Street, San Francisco, CA 94107",
         None, "318402"),
    Mail("en-02-slack-confirm", "signup", "Slack <no-reply@slack.example>", "Slack confirmation code: K7P-2QX",
         None,
         "<html><body><table width='100%'><tr><td><img src='https://a.slack-edge.example/logo.png' alt='Slack'></td></tr>"
         "<tr><td><h1>Confirm your email address</h1><p>Your confirmation code is below — enter it in your open browser "
         "window and we'll help you get signed in.</p></td></tr>"
         "<tr><td style='background:#f5f4f5;font-size:30px;letter-spacing:4px;text-align:center'>K7P-2QX</td></tr>"
         "<tr><td><p>If you didn't request this email, there's nothing to worry about — you can safely ignore it.</p>"
         "<p><a href='https://slack.example/help'>Help</a> · <a href='https://slack.example/legal'>Legal</a></p>"
         "<p>©2026 Slack Technologies, LLC, 500 Howard Street, San Francisco, CA 94105</p></td></tr></table></body></html>",
         "K7P-2QX"),
    Mail("en-03-notion-magic", "magic", "Notion Team <notify@mail.notion.example>", "Your Notion login link",
         "Click here to log in with this magic link\n"
         "https://www.notion.example/loginwithemail?state=Yb2rSdN6&token=8f3c2a91d4b7\n\n"
         "Or, copy and paste this temporary login code:\n\nglad-tiger-sleepy-8214\n\n"
         "If you didn't try to login, you can safely ignore this email.\n\nNotion Labs, Inc., 2300 Harrison St, San Francisco, CA",
         "<p>Click here to log in with this magic link</p>"
         "<p><a href='https://www.notion.example/loginwithemail?state=Yb2rSdN6&amp;token=8f3c2a91d4b7'>Click here to log in with this magic link</a></p>"
         "<p>Or, copy and paste this temporary login code:</p><p style='font-family:monospace'>glad-tiger-sleepy-8214</p>"
         "<p style='color:#aaa'>If you didn't try to login, you can safely ignore this email.</p>",
         "glad-tiger-sleepy-8214", "https://www.notion.example/loginwithemail?state=Yb2rSdN6&token=8f3c2a91d4b7"),
    Mail("en-04-reset-sendgrid", "reset", "Acme Cloud <support@acmecloud.example>", "Reset your Acme Cloud password",
         None,
         "<div style='max-width:600px'><img src='https://cdn.acmecloud.example/img/logo-2x.png' width='120' alt='Acme'>"
         "<p>Hi Jordan,</p><p>Someone (hopefully you) asked to reset the password for your Acme Cloud account. "
         "This link is valid for 60 minutes.</p>"
         "<p><a style='background:#2563eb;color:#fff;padding:12px 20px' href='https://u4821.ct.sendgrid.example/ls/click?upn=Gx7-2BqTz0aPq&amp;url=https%3A%2F%2Fapp.acmecloud.example%2Fpassword%2Freset%3Ftoken%3Dd41d8cd98f00b204'>Reset password</a></p>"
         "<p>Didn't ask? Ignore this mail; your password stays the same.</p>"
         "<p style='font-size:11px;color:#999'>Acme Cloud Ltd · 2 Kingdom Street, London W2 6BD · "
         "<a href='https://u4821.ct.sendgrid.example/ls/click?upn=Zq1&amp;url=https%3A%2F%2Facmecloud.example%2Fprivacy'>Privacy</a> · "
         "<a href='https://acmecloud.example/unsubscribe?u=9981'>Unsubscribe</a></p>"
         "<img src='https://u4821.ct.sendgrid.example/wf/open?upn=abc' width='1' height='1'></div>",
         None, "https://app.acmecloud.example/password/reset?token=d41d8cd98f00b204"),
    Mail("en-05-amazon-order", "receipt", "Shop.example <auto-confirm@shop.example>", "Your Shop.example order #112-7734912-5512034",
         "Hello Casey,\n\nThank you for shopping with us. We'll send a confirmation when your item ships.\n\n"
         "Order #112-7734912-5512034\nPlaced on Thursday, March 12, 2026\n\n"
         "Anker PowerCore 10000      $25.99\nUSB-C cable (2-pack)        $11.49\n"
         "Order Total: $40.16\n\nDelivery estimate: Monday, March 16\nShip to: Casey R., 1420 Pine St, Seattle, WA 98101\n\n"
         "View or manage your order: https://shop.example/your-orders/112-7734912-5512034\n"
         "Questions? Call 1-888-280-4331.",
         None, None),
    Mail("en-06-stripe-2fa-qp", "2fa", "Stripe <notifications@stripe.example>", "Your Stripe verification code",
         "Stripe\n\nYour Stripe verification code is:\n\n  804 217\n\nThis code will expire in 10 minutes. "
         "Don't share this code with anyone; our employees will never ask for the code.\n\n"
         "Request details: Safari on macOS · Dublin, Ireland · 2026-03-30 09:14 UTC\n\n"
         "Stripe, 354 Oyster Point Blvd, South San Francisco, CA 94080",
         None, "804217", cte="quoted-printable"),
    Mail("en-07-newsletter", "newsletter", "The Weekly Byte <hello@weeklybyte.example>", "Issue #248: 10 tools we loved in 2026",
         "THE WEEKLY BYTE — Issue #248\n\nThis week: 10 tools we loved in 2026, a 4096-token context trick, and "
         "why port 8080 is still everywhere.\n\nRead online: https://weeklybyte.example/issues/248\n\n"
         "Sponsored: Get 20% off annual plans with code BYTE20 until 31 March.\n\n"
         "You are receiving this because you subscribed at weeklybyte.example.\n"
         "Unsubscribe: https://weeklybyte.example/unsubscribe?e=abc123 | Manage preferences: https://weeklybyte.example/prefs",
         "<h2>THE WEEKLY BYTE — Issue #248</h2><p>This week: 10 tools we loved in 2026, a 4096-token context trick.</p>"
         "<p><a href='https://click.weeklybyte.example/track?id=77&amp;redirect=https%3A%2F%2Fweeklybyte.example%2Fissues%2F248'>Read online</a></p>"
         "<p>Sponsored: Get 20% off annual plans with code <b>BYTE20</b> until 31 March.</p>"
         "<p><a href='https://weeklybyte.example/unsubscribe?e=abc123'>Unsubscribe</a> · <a href='https://weeklybyte.example/prefs'>Manage preferences</a></p>",
         None, None),
    Mail("en-08-ups-shipping", "shipping", "UPS <mcinfo@ups.example>", "UPS Update: Package Scheduled for Delivery Tomorrow",
         None,
         "<table><tr><td><h2>Your package is on the way</h2></td></tr>"
         "<tr><td>Scheduled delivery: Tuesday 03/31/2026 between 10:30 AM and 2:30 PM</td></tr>"
         "<tr><td>Tracking Number: <a href='https://www.ups.example/track?tracknum=1Z9W40V80312345678'>1Z9W40V80312345678</a></td></tr>"
         "<tr><td>Ship To: NEW YORK, NY 10001 US</td></tr><tr><td>Number of Packages: 1 · Weight: 2.40 LBS</td></tr>"
         "<tr><td>Reference Number: 88120349</td></tr>"
         "<tr><td><a href='https://www.ups.example/unsubscribe'>Unsubscribe</a></td></tr></table>",
         None, None),
    Mail("en-09-microsoft-security-b64", "2fa", "Microsoft account team <account-security-noreply@accountprotection.microsoft.example>",
         "Microsoft account security code",
         "Microsoft account\n\nSecurity code\n\nPlease use the following security code for the Microsoft account "
         "ja***@example.com.\n\nSecurity code: 4187\n\nIf you don't recognize the Microsoft account ja***@example.com, "
         "you can click https://account.live.example/dp?id=ab12 to remove your email address from that account.\n\n"
         "Thanks,\nThe Microsoft account team",
         None, "4187", cte="base64"),
    Mail("en-10-discord-verify", "signup", "Discord <noreply@discord.example>", "Verify Email Address for Discord",
         "Hey wumpus2026,\n\nThanks for registering for an account on Discord! Before we get started, we just need to "
         "confirm that this is you. Click below to verify your email address:\n\n"
         "https://click.discord.example/ls/click?upn=qR7a8&url=https%3A%2F%2Fdiscord.example%2Fverify%23token%3DeyJpZCI6MTIzfQ\n\n"
         "Need help? Contact our support team or hit us up on Twitter @discord.\n"
         "Sent by Discord • check our blog • @discord\n444 De Haro Street, Suite 200, San Francisco, CA 94107",
         "<p>Hey wumpus2026,</p><p>Thanks for registering for an account on Discord! Before we get started, we just need to "
         "confirm that this is you. Click below to verify your email address:</p>"
         "<p><a href='https://click.discord.example/ls/click?upn=qR7a8&amp;url=https%3A%2F%2Fdiscord.example%2Fverify%23token%3DeyJpZCI6MTIzfQ'>Verify Email</a></p>"
         "<p><a href='https://twitter.example/discord'><img src='https://cdn.discord.example/twitter.png' alt='Twitter'></a></p>"
         "<p>Sent by Discord • 444 De Haro Street, Suite 200, San Francisco, CA 94107</p>",
         None, "https://discord.example/verify#token=eyJpZCI6MTIzfQ"),
    Mail("en-11-bank-otp-phone", "2fa", "First Bank <alerts@firstbank.example>", "One-time passcode for your transaction",
         "Dear Customer,\n\nYour one-time passcode (OTP) for the transaction of USD 1,250.00 at MERCHANT 4471 "
         "on 30-Mar-2026 is 55190873. Valid for 5 minutes.\n\nNever share your OTP. If you did not initiate this, "
         "call us at 1-800-432-1000 or +1 212 555 0147.\n\nCard ending 4821.",
         None, "55190873"),
    Mail("en-12-letterspaced-html", "signup", "Figma <security@figma.example>", "Your Figma sign-up code",
         None,
         "<div style='font-family:Helvetica'><p>Welcome to Figma! Use the code below to finish creating your account.</p>"
         "<p><span style='font-size:36px;letter-spacing:12px'>7 2 9 0 4 1</span></p>"
         "<p>This code expires at 16:45 (UTC) on 2026-03-30.</p>"
         "<p>Figma, Inc. · 760 Market St, Floor 10, San Francisco, CA 94102</p></div>",
         "729041"),
    Mail("en-13-dropbox-invoice", "receipt", "Dropbox <no-reply@dropbox.example>", "Your Dropbox Plus receipt",
         "Thanks for your purchase!\n\nReceipt #4418-2290\nDate: March 28, 2026\nDropbox Plus (annual)   $119.88\n"
         "Tax                      $0.00\nTotal charged            $119.88\nPayment: Visa ending in 0041\n\n"
         "Billing address: 12 Rue de Rivoli, 75004 Paris, France\nVAT ID: EU372008134\n\n"
         "Manage your plan: https://www.dropbox.example/account/plan",
         None, None),
    Mail("en-14-alnum-nosep", "signin", "Epic Games <help@accts.epicgames.example>", "Your Epic Games security code",
         "Hello,\n\nYour sign-in security code is AB12CD.\n\nIf you did not request this, please secure your account. "
         "Ticket ID 20391844.\n\nEpic Games, Inc. · Cary, NC 27518",
         "<p>Hello,</p><p>Your sign-in security code is</p><h2 style='letter-spacing:6px'>AB12CD</h2>"
         "<p>If you did not request this, please secure your account. Ticket ID 20391844.</p>",
         "AB12CD"),
    Mail("en-15-google-url-wrap", "magic", "Medium <noreply@medium.example>", "Sign in to Medium",
         "Sign in to Medium\n\nClick the link below to sign in to Medium.com. This link will expire in 2 weeks and can only "
         "be used once.\n\nhttps://medium.example/m/callback/email?token=c2f91e70a3&operation=login&state=medium\n\n"
         "Medium, 548 Market St, PMB 96257, San Francisco, CA 94104",
         "<h2>Sign in to Medium</h2><p>Click the button below to sign in to Medium. This link will expire in 2 weeks.</p>"
         "<p><a href='https://www.google.example/url?q=https://medium.example/m/callback/email?token%3Dc2f91e70a3%26operation%3Dlogin%26state%3Dmedium&amp;sa=D'>Sign in to Medium</a></p>"
         "<p><a href='https://medium.example/me/settings/notifications'>Unsubscribe</a></p>",
         None, "https://medium.example/m/callback/email?token=c2f91e70a3&operation=login&state=medium"),
    # ---------------------------------------------------------------- Spanish
    Mail("es-01-clave", "2fa", "BancoSol <avisos@bancosol.example>", "Tu clave de acceso",
         "Hola María,\n\nTu clave de acceso es 4821.\nNo la compartas con nadie. Caduca en 3 minutos.\n\n"
         "Operación: transferencia de 250,00 € el 14/03/2026.\nAtención al cliente: 900 123 456\nBancoSol, Calle de Alcalá 45, 28014 Madrid",
         None, "4821"),
    Mail("es-02-codigo-html", "signup", "Glovo <noreply@glovo.example>", "Confirma tu correo electrónico",
         None,
         "<div><h1>¡Ya casi está!</h1><p>Introduce este código en la app para confirmar tu correo electrónico:</p>"
         "<p style='font-size:32px;font-weight:bold'>5 9 0 3 1 7</p><p>El código caduca en 15 minutos.</p>"
         "<p>Glovoapp23, S.L. · C/ Pallars 190, 08005 Barcelona · CIF B66362906</p></div>",
         "590317", cte="quoted-printable"),
    Mail("es-03-restablecer", "reset", "Idealista <noresponder@idealista.example>", "Restablece tu contraseña",
         "Hola,\n\nHemos recibido una solicitud para restablecer la contraseña de tu cuenta.\n\n"
         "Restablecer contraseña: https://www.idealista.example/usuario/restablecer?clave=e8Tz91kQ\n\n"
         "Si no has sido tú, ignora este mensaje. El enlace caduca en 24 horas.\n\n© 2026 Idealista",
         "<p>Hola,</p><p>Hemos recibido una solicitud para restablecer la contraseña de tu cuenta.</p>"
         "<p><a href='https://www.idealista.example/usuario/restablecer?clave=e8Tz91kQ'>Restablecer contraseña</a></p>"
         "<p><img src='https://st.idealista.example/logo.png' alt='idealista'></p>"
         "<p><a href='https://www.idealista.example/baja?u=4471'>Darse de baja</a></p>",
         None, "https://www.idealista.example/usuario/restablecer?clave=e8Tz91kQ"),
    Mail("es-04-pedido", "receipt", "El Corte Inglés <pedidos@elcorteingles.example>", "Confirmación de tu pedido 4500912233",
         "Gracias por tu compra.\n\nPedido nº 4500912233 del 21/03/2026\nAuriculares inalámbricos   89,90 €\n"
         "Gastos de envío   0,00 €\nTotal (IVA incl.)   89,90 €\n\nDirección de entrega: Av. de la Constitución 12, 41004 Sevilla\n"
         "Teléfono de contacto: 901 122 122\n\nConsulta el estado: https://www.elcorteingles.example/mis-pedidos/4500912233",
         None, None),
    Mail("es-05-verificacion-b64", "signin", "Mercado Libre <no-reply@mercadolibre.example>", "Código de verificación",
         "Hola Juan:\n\nUsa el siguiente código de verificación para iniciar sesión:\n\n738104\n\n"
         "Por tu seguridad, no lo compartas. Si no intentaste ingresar, cambia tu contraseña.\n\n"
         "Mercado Libre S.R.L. · Av. Caseros 3039, C1264AAO, CABA, Argentina",
         None, "738104", cte="base64"),
    Mail("es-06-boletin", "newsletter", "Spotify <no-reply@spotify.example>", "Tu resumen de 2026 ya está aquí",
         None,
         "<h1>Tu 2026 en música</h1><p>Escuchaste 48.213 minutos y 1.204 canciones distintas este año.</p>"
         "<p><a href='https://open.spotify.example/wrapped?utm_source=email'>Ver mi resumen</a></p>"
         "<p>Prueba Premium 3 meses por 0 €. Después, 10,99 €/mes.</p>"
         "<p><a href='https://www.spotify.example/account/unsubscribe?id=8812'>Cancelar suscripción</a> · Spotify AB, Regeringsgatan 19, 111 53 Estocolmo</p>",
         None, None),
    # ---------------------------------------------------------------- Portuguese
    Mail("pt-01-codigo-4", "signin", "Nubank <todomundo@nubank.example>", "Seu código de acesso",
         "Olá, Ana!\n\nSeu código: 7316\n\nUse-o para entrar no app. Ele expira em 5 minutos.\n"
         "Nunca compartilhe esse código.\n\nNu Pagamentos S.A. · CNPJ 18.236.120/0001-58 · Rua Capote Valente, 39 - São Paulo, SP, 05409-000\n"
         "Ouvidoria: 0800 887 0463",
         None, "7316"),
    Mail("pt-02-confirmacao-html", "signup", "iFood <naoresponda@ifood.example>", "Confirme seu e-mail no iFood",
         None,
         "<table><tr><td><img src='https://static.ifood.example/logo.png' alt='iFood'></td></tr>"
         "<tr><td><p>Falta pouco! Para confirmar seu cadastro, digite o código de confirmação abaixo:</p></td></tr>"
         "<tr><td style='font-size:28px'><b>492 087</b></td></tr>"
         "<tr><td>Pedido mínimo R$ 20,00. Frete grátis em 2026 para novos clientes.</td></tr>"
         "<tr><td>iFood.com Agência de Restaurantes Online S.A. · Av. dos Autonomistas, 1496 - Osasco/SP - 06020-902</td></tr></table>",
         "492087"),
    Mail("pt-03-redefinir", "reset", "Netflix <info@mailer.netflix.example>", "Redefinição de senha",
         "Olá,\n\nRecebemos um pedido para redefinir a senha da sua conta Netflix.\n\n"
         "Redefinir senha: https://www.netflix.example/password?g=1f2e9c7a-5d&lnktrk=EMP\n\n"
         "Se não foi você, ignore este e-mail.\nCentral de Ajuda: 0800 591 2876\n\nNetflix Entretenimento Brasil Ltda.",
         "<p>Olá,</p><p>Recebemos um pedido para redefinir a senha da sua conta Netflix.</p>"
         "<p><a href='https://www.netflix.example/password?g=1f2e9c7a-5d&amp;lnktrk=EMP'>Redefinir senha</a></p>"
         "<p><a href='https://help.netflix.example'>Central de Ajuda</a> · <a href='https://www.netflix.example/termsofuse'>Termos de uso</a></p>",
         None, "https://www.netflix.example/password?g=1f2e9c7a-5d&lnktrk=EMP", cte="quoted-printable"),
    Mail("pt-04-envio", "shipping", "Correios <rastreamento@correios.example>", "Seu objeto está a caminho",
         "Objeto: QB123456789BR\nPostado em 25/03/2026 às 14:32\nDestino: CEP 01310-100 São Paulo/SP\n"
         "Previsão de entrega: 02/04/2026\n\nAcompanhe: https://rastreamento.correios.example/app/index.php?objeto=QB123456789BR",
         None, None),
    Mail("pt-05-2fa-b64", "2fa", "Mercado Pago <info@mercadopago.example>", "Código de verificação em duas etapas",
         "Oi, Pedro.\n\nO código de verificação em duas etapas é\n\n903 455\n\nEle vale por 10 minutos. "
         "Pedido de acesso feito em 30/03/2026 às 08:12 de Lisboa, Portugal.",
         None, "903455", cte="base64"),
    Mail("pt-06-magic-pt-pt", "magic", "Glovo Portugal <noreply@glovo.example>", "Entrar na tua conta",
         None,
         "<p>Olá!</p><p>Carrega no botão para entrares na tua conta. O link é válido durante 20 minutos.</p>"
         "<p><a href='https://glovo.example/pt/login/magic?t=pX09s7Lk'>Iniciar sessão</a></p>"
         "<p><a href='https://glovo.example/pt/ajuda'>Ajuda</a> | <a href='https://glovo.example/pt/cancelar-subscricao'>Cancelar subscrição</a></p>"
         "<p>Rua Castilho 5, 1250-066 Lisboa</p>",
         None, "https://glovo.example/pt/login/magic?t=pX09s7Lk"),
    # ---------------------------------------------------------------- French
    Mail("fr-01-code-connexion", "signin", "Doctolib <no-reply@doctolib.example>", "Votre code de connexion Doctolib",
         "Bonjour,\n\nVoici votre code de connexion : 614 902\n\nCe code est valable 10 minutes. "
         "Votre rendez-vous du 03/04/2026 à 09h30 reste confirmé.\n\nDoctolib SAS, 54 quai Charles Pasqua, 92300 Levallois-Perret",
         None, "614902"),
    Mail("fr-02-verif-html", "signup", "Leboncoin <noreply@leboncoin.example>", "Validez votre adresse e-mail",
         None,
         "<div><p>Bonjour Camille,</p><p>Pour finaliser la création de votre compte, veuillez confirmer votre adresse e-mail.</p>"
         "<p><a href='https://auth.leboncoin.example/validation?token=Qm9uam91cg&amp;utm_medium=email'>Valider mon adresse e-mail</a></p>"
         "<p>Ce lien expire dans 72 heures.</p>"
         "<p><a href='https://www.leboncoin.example/aide'>Aide</a> · <a href='https://www.leboncoin.example/desinscription'>Se désinscrire</a></p>"
         "<p>LBC France · 24 rue Auguste Chabrières, 75015 Paris</p></div>",
         None, "https://auth.leboncoin.example/validation?token=Qm9uam91cg&utm_medium=email"),
    Mail("fr-03-securite-b64", "2fa", "Qonto <security@qonto.example>", "Code de sécurité à usage unique",
         "Bonjour Thomas,\n\nVotre code de sécurité à usage unique est : 30918274\n\n"
         "Montant du virement : 1 480,00 €\nBénéficiaire : SARL Dupont – IBAN FR76 3000 6000 0112 3456 7890 189\n\n"
         "Ne communiquez jamais ce code.",
         None, "30918274", cte="base64"),
    Mail("fr-04-commande", "receipt", "Fnac <commande@fnac.example>", "Votre commande n°7845120 a bien été enregistrée",
         "Bonjour,\n\nMerci pour votre commande n°7845120 du 28 mars 2026.\n\n1 x Casque Sony WH-1000XM5 — 349,99 €\n"
         "Livraison en point relais : 0,00 €\nTotal TTC : 349,99 €\n\nRetrait : Fnac Montparnasse, 136 rue de Rennes, 75006 Paris\n"
         "Service client : 0 892 35 04 05",
         None, None),
    Mail("fr-05-reinitialiser", "reset", "SNCF Connect <noreply@sncf-connect.example>", "Réinitialisation de votre mot de passe",
         None,
         "<p>Bonjour,</p><p>Vous avez demandé à réinitialiser votre mot de passe. Cliquez sur le bouton ci-dessous :</p>"
         "<p><a href='https://tracking.sncf-connect.example/c/eJwtjMEOgjAQRH-FcCYh7ZYW8Gbi'>Réinitialiser mon mot de passe</a></p>"
         "<p>Votre voyage Paris → Lyon du 12/04/2026 (dossier QKZ7PL) n'est pas concerné.</p>"
         "<p><a href='https://tracking.sncf-connect.example/c/eJwtjM1u2zAQhF-F8'>Centre d'aide</a></p>",
         None, "https://tracking.sncf-connect.example/c/eJwtjMEOgjAQRH-FcCYh7ZYW8Gbi", cte="quoted-printable"),
    Mail("fr-06-newsletter", "newsletter", "Le Monde <newsletter@lemonde.example>", "La Matinale du 30 mars 2026",
         "La Matinale — lundi 30 mars 2026\n\nÀ la une : le budget 2027 en 5 chiffres ; 1 200 000 foyers concernés.\n"
         "Lire l'article : https://www.lemonde.example/economie/article/2026/03/30/budget_6012345.html\n\n"
         "Abonnez-vous : 1 € le premier mois avec le code MATIN26.\n"
         "Se désinscrire : https://www.lemonde.example/newsletters/desinscription?id=4410",
         None, None),
    # ---------------------------------------------------------------- German
    Mail("de-01-bestaetigungscode", "signup", "Zalando <info@service-mail.zalando.example>", "Dein Bestätigungscode",
         "Hallo Lena,\n\ndein Bestätigungscode lautet:\n\n283 916\n\nGib ihn innerhalb von 30 Minuten ein.\n\n"
         "Zalando SE · Valeska-Gert-Straße 5 · 10243 Berlin · Amtsgericht Charlottenburg HRB 158855 B",
         None, "283916"),
    Mail("de-02-anmeldung-link", "signup", "XING <noreply@xing.example>", "Bitte bestätige deine E-Mail-Adresse",
         None,
         "<p>Hallo Jonas,</p><p>nur noch ein Schritt: Bitte bestätige deine E-Mail-Adresse, indem du auf den folgenden Button klickst.</p>"
         "<p><a href='https://www.xing.example/app/signup/confirm?token=3bd7f0ac9e&amp;locale=de'>E-Mail-Adresse bestätigen</a></p>"
         "<p>Dieser Link ist 7 Tage gültig.</p>"
         "<p><a href='https://www.xing.example/settings/notifications'>Benachrichtigungen verwalten</a> · "
         "<a href='https://www.xing.example/impressum'>Impressum</a></p><p>New Work SE, Am Strandkai 1, 20457 Hamburg</p>",
         None, "https://www.xing.example/app/signup/confirm?token=3bd7f0ac9e&locale=de"),
    Mail("de-03-tan-qp", "2fa", "Sparkasse <noreply@sparkasse.example>", "Ihre TAN für die Überweisung",
         "Guten Tag,\n\nfür Ihre Überweisung über 1.250,00 EUR an Max Mustermann (IBAN DE89 3704 0044 0532 0130 00) "
         "lautet Ihre TAN: 840173\n\nAuftrag vom 30.03.2026, 10:42 Uhr.\nBei Fragen: 0221 226-0\n\nIhre Sparkasse KölnBonn, Hahnenstraße 57, 50667 Köln",
         None, "840173", cte="quoted-printable"),
    Mail("de-04-passwort", "reset", "DB Navigator <noreply@bahn.example>", "Passwort zurücksetzen",
         "Hallo,\n\nSie haben angefordert, Ihr Passwort für bahn.example zurückzusetzen.\n"
         "Klicken Sie auf den folgenden Link, um ein neues Passwort zu vergeben:\n\n"
         "https://accounts.bahn.example/auth/realms/db/login-actions/action-token?key=eyJhbGciOiJIUzI1NiJ9.kP0x\n\n"
         "Der Link ist 12 Stunden gültig. Ihre BahnCard 25 (Nr. 7081 4101 2345 6789) ist davon nicht betroffen.\n\n"
         "DB Fernverkehr AG · Stephensonstraße 1 · 60326 Frankfurt am Main",
         None, None, "https://accounts.bahn.example/auth/realms/db/login-actions/action-token?key=eyJhbGciOiJIUzI1NiJ9.kP0x"),
    Mail("de-05-versand", "shipping", "DHL Paket <noreply@dhl.example>", "Ihre Sendung kommt heute",
         None,
         "<h2>Ihre DHL Sendung kommt heute</h2><p>Sendungsnummer: 00340434161094012345</p>"
         "<p>Voraussichtliche Zustellung: 30.03.2026, 13:00 – 15:00 Uhr</p>"
         "<p>Empfänger: Musterstraße 12, 80331 München</p>"
         "<p><a href='https://www.dhl.example/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161094012345'>Sendung verfolgen</a></p>"
         "<p>Ihre Abholnummer für die Packstation: 4417</p>",
         None, None),
    Mail("de-06-sicherheitscode-b64", "signin", "GMX <service@gmx.example>", "Ihr Sicherheitscode für die Anmeldung",
         "Sehr geehrte Kundin, sehr geehrter Kunde,\n\nIhr Sicherheitscode lautet 9X4K-7M2P.\n\n"
         "Anmeldung am 30.03.2026 um 07:55 Uhr aus Deutschland (IP 91.64.12.7).\n\n"
         "1&1 Mail & Media GmbH, Brauerstraße 48, 76135 Karlsruhe",
         None, "9X4K-7M2P", cte="base64"),
]
