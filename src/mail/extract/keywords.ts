// The words around a number that say what it is: a code ("code", "OTP", "رمز", "验证码", "код"…)
// or something that is not one (an order, an invoice, a phone, a card, a price…), in English,
// Arabic, Chinese, Spanish, German, French and Russian. Only short windows around candidates are
// read, word by word, so the cost is bounded by the window, not by the mail.

export type Polarity = 1 | -1;

/** The words of a whitespace-separated list. */
function words(list: string): string[] {
  return list.split(/\s+/).filter((w) => w.length > 0);
}

export interface KeywordHit {
  /** Offset of the keyword in the window. */
  start: number;
  end: number;
  /** 1: says "code"; -1: says "order / phone / price / card…", not a code. */
  polarity: Polarity;
  /** Says "sale / discount / voucher": any code nearby is a promotion, whatever else is said. */
  veto?: boolean;
}

const positiveWords = new Set(
  words(`
code codes otp pin passcode passcodes password passwords mfa 2fa totp
código codigo códigos codigos clave contraseña codice
tan mtan passwort kennwort einmalpasswort einmal-code
passe
код кода коду кодом коды пароль пароля пин otp-код
`),
);

/** Word endings that make a compound a code word (Bestätigungscode, Anmeldecode, пин-код). */
const positiveEndings = ['code', 'codes', 'kode', 'код', 'кода', 'passwort'];

/** Compounds and qualified forms that name something else (a voucher, a barcode, a postcode). */
const notCodeCompounds = new Set(
  words(`
promocode promotioncode gutscheincode rabattcode aktionscode barcode qrcode postcode zipcode
geocode unicode sourcecode quellcode fehlercode statuscode trackingcode sendungscode ländercode
landescode vouchercode couponcode giftcode discountcode промокод штрихкод qr-код штрих-код
промо-код promo-code qr-code zip-code
`),
);

/**
 * A word before "code" that makes it something else ("promo code", "zip code", a receipt's
 * "Auth code: 083921", the card terminal's authorisation).
 */
const qualifiersBefore = new Set(
  words(`
promo promotional discount coupon voucher gift postal zip area country tracking error status qr
bar source referral dress tax sort swift product item style reward offer booking reservation
coupon-code customer client member reference airline flight ticket order почтовый почтового
дисконтный survey auth authorization authorisation approval authorisierungs genehmigungs
`),
);

/** A word after "code" that makes it something else ("código postal", "code promo", "code of conduct"). */
const qualifiersAfter = new Set(
  words(`
postal postale promo promocional promoción promocion descuento réduction reduction suivi
seguimiento conduct conduite regalo cadeau producto produit parrainage referido cupón cupon
avantage barras cliente client socio membre pedido commande reserva réservation referencia
référence envío envio kunde kunden d barres de del du of autorización autorizacion
autorisation d'autorisation aprobación autorizzazione авторизации
`),
);
// "de", "del", "du", "of" only qualify when followed by one of the words above: see isQualifiedAfter.
const linkWords = new Set(['de', 'del', 'du', 'of']);

const negativeWords = new Set([
  // English
  'order',
  'orders',
  'invoice',
  'receipt',
  'tracking',
  'track',
  'shipment',
  'parcel',
  'package',
  'reference',
  'ref',
  'acct',
  'phone',
  'tel',
  'telephone',
  'call',
  'fax',
  'mobile',
  'card',
  'ending',
  'ends',
  'visa',
  'mastercard',
  'amex',
  'zip',
  'postcode',
  'postal',
  'suite',
  'apt',
  'total',
  'amount',
  'price',
  'subtotal',
  'qty',
  'quantity',
  'item',
  'sku',
  'flight',
  'booking',
  'reservation',
  'ticket',
  'case',
  'transaction',
  'room',
  'gate',
  'seat',
  'balance',
  'usd',
  'eur',
  'gbp',
  'rub',
  'cny',
  'aed',
  'sar',
  'dollars',
  'euros',
  'number',
  'nr',
  'nº',
  'no.',
  'pedido',
  'factura',
  'recibo',
  'seguimiento',
  'envío',
  'envio',
  'teléfono',
  'telefono',
  'tarjeta',
  'terminada',
  'importe',
  'precio',
  'número',
  'numero',
  'referencia',
  'commande',
  'facture',
  'reçu',
  'suivi',
  'colis',
  'téléphone',
  'tél',
  'carte',
  'terminant',
  'montant',
  'prix',
  'numéro',
  'référence',
  'réf',
  'tva',
  'bestellung',
  'bestellnummer',
  'rechnung',
  'rechnungsnummer',
  'sendungsnummer',
  'sendung',
  'paket',
  'telefon',
  'karte',
  'kreditkarte',
  'endet',
  'betrag',
  'summe',
  'gesamt',
  'gesamtbetrag',
  'preis',
  'kundennummer',
  'nummer',
  'referenz',
  'auftrag',
  'auftragsnummer',
  'artikel',
  'plz',
  'postleitzahl',
  'vorwahl',
  'заказ',
  'заказа',
  'заказу',
  'заказе',
  'счёт',
  'счет',
  'счета',
  'трек',
  'трек-номер',
  'номер',
  'номеру',
  'телефон',
  'телефона',
  'тел',
  'карта',
  'карты',
  'карте',
  'оканчивается',
  'сумма',
  'итого',
  'индекс',
  'цена',
  'руб',
  'рублей',
  'рубля',
  'посылка',
  'посылки',
  'отправление',
  'отправления',
  'договор',
  'звоните',
  'invoice#',
  'order#',
  'isbn',
  'version',
  'v',
  'build',
  'floor',
  'box',
  'route',
  'hwy',
  'street',
  'st',
  'avenue',
  'ave',
  'road',
  'rd',
  'straße',
  'strasse',
  'str',
  'rue',
  'calle',
  'улица',
  'ул',
  'дом',
  'д',
  'cedex',
  'year',
  'years',
  'points',
  'miles',
  'followers',
  'likes',
  'views',
  'members',
]);

/** Words of sales: a "code" near them is a voucher (promo code, Gutscheincode, código de descuento). */
const vetoWords = new Set(
  words(`
promo promotional discount coupon voucher off sale save deal gift rabatt gutschein gutscheincode
rabattcode aktionscode réduction remise soldes descuento cupón cupon oferta rebajas скидка
скидку скидки промокод купон акция promocode checkout
`),
);
const hanVeto = ['优惠', '折扣', '促销', '兑换码', '券'];
const arabicVeto = ['خصم', 'كوبون', 'عرض', 'تخفيض'];

const hanPositive = words(`
验证码 驗證碼 校验码 校驗碼 动态码 動態碼 动态密码 確認碼 确认码 登录码 登錄碼 验证代码 一次性密码 认证码 認證碼 安全码 激活码 口令 密码 代码
`);
const hanNegative = words(`
订单 訂單 单号 單號 发票 發票 快递 運單 运单 物流 电话 電話 手机号 尾号 尾號 金额 金額 合计 合計 邮编 郵編 价格 價格 编号 編號 客服 热线 元 年 月 日 优惠码
優惠碼 兑换码 兌換碼 券 积分 积分
`);
// Persian (کد, with its own kaf) reads like Arabic here.
const arabicPositive = ['رمز', 'كود', 'کد', 'لمرة', 'التحقق', 'مرور'];
const arabicNegative = words(`
طلب فاتورة تتبع شحن هاتف جوال بطاقة تنتهي مبلغ إجمالي اجمالي بريدي ريال درهم جنيه دينار سعر رقم
الطلب خصم ترويجي اتصل
`);

const word = /[\p{L}\p{M}][\p{L}\p{M}\p{N}'’-]*/gu;
const han = /\p{Script=Han}/u;
const arabic = /\p{Script=Arabic}/u;

function endsLikeCode(w: string): boolean {
  return positiveEndings.some((e) => w.length > e.length && w.endsWith(e));
}

/** The keywords in `text` (a short window), in order. */
export function keywordsIn(text: string): KeywordHit[] {
  const hits: KeywordHit[] = [];
  const words: { w: string; start: number; end: number }[] = [];
  word.lastIndex = 0;
  for (let m = word.exec(text); m; m = word.exec(text)) {
    words.push({ w: m[0].toLowerCase().replace(/[-'’]+$/, ''), start: m.index, end: m.index + m[0].length });
  }
  for (let i = 0; i < words.length; i++) {
    const { w, start, end } = words[i] as (typeof words)[number];
    if (han.test(w)) {
      scanSubstrings(w, start, hanPositive, 1, hits);
      scanSubstrings(w, start, hanNegative, -1, hits);
      if (hanVeto.some((v) => w.includes(v))) hits.push({ start, end, polarity: -1, veto: true });
      continue;
    }
    if (arabic.test(w)) {
      const next = words[i + 1]?.w ?? '';
      // "الرمز البريدي": the postal code; "رمز الخصم": a discount code.
      const qualified = /بريدي|خصم|ترويجي|الشحن/.test(next);
      if (!qualified) scanSubstrings(w, start, arabicPositive, 1, hits);
      scanSubstrings(w, start, arabicNegative, -1, hits);
      if (arabicVeto.some((v) => w.includes(v))) hits.push({ start, end, polarity: -1, veto: true });
      continue;
    }
    if (vetoWords.has(w)) {
      hits.push({ start, end, polarity: -1, veto: true });
      continue;
    }
    if (notCodeCompounds.has(w)) {
      hits.push({ start, end, polarity: -1 });
      continue;
    }
    if (positiveWords.has(w) || endsLikeCode(w)) {
      const before = words[i - 1]?.w ?? '';
      if (qualifiersBefore.has(before) || isQualifiedAfter(words, i)) {
        hits.push({ start, end, polarity: -1 });
      } else {
        hits.push({ start, end, polarity: 1 });
      }
      continue;
    }
    if (negativeWords.has(w)) hits.push({ start, end, polarity: -1 });
  }
  hits.sort((a, b) => a.start - b.start);
  return hits;
}

function isQualifiedAfter(words: { w: string }[], i: number): boolean {
  const next = words[i + 1]?.w ?? '';
  if (!qualifiersAfter.has(next)) return false;
  if (!linkWords.has(next)) return true;
  const after = words[i + 2]?.w ?? '';
  return qualifiersAfter.has(after) && !linkWords.has(after);
}

function scanSubstrings(
  w: string,
  offset: number,
  needles: string[],
  polarity: Polarity,
  hits: KeywordHit[],
): void {
  for (const needle of needles) {
    let at = w.indexOf(needle);
    while (at >= 0) {
      hits.push({ start: offset + at, end: offset + at + needle.length, polarity });
      at = w.indexOf(needle, at + needle.length);
    }
  }
}

/** Whether `text` says "code" anywhere (a mail about a code at all). */
export function mentionsCode(text: string): boolean {
  const hits = keywordsIn(text);
  // "Use code MOVE10 for 10% off" speaks of a voucher, not of a code to type.
  if (text.includes('%') || hits.some((h) => h.veto)) return false;
  return hits.some((h) => h.polarity === 1);
}
