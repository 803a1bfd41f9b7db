// The rules of code and link extraction one by one: where codes are found, how they are written
// back (separators out, ASCII digits), what is not a code, how links are cleaned, deduplicated,
// capped and classified, and that hostile input completes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractVerification, extractWithin } from '../../src/mail/extract/index.ts';
import type { ExtractionInput } from '../../src/mail/extract/types.ts';

function mail(parts: Partial<ExtractionInput>): ExtractionInput {
  return { subject: '', text: '', html: '', ...parts };
}
const codesOf = (parts: Partial<ExtractionInput>) =>
  extractVerification(mail(parts)).codes.map((c) => c.value);
const topCode = (parts: Partial<ExtractionInput>) => codesOf(parts)[0] ?? null;
const linksOf = (parts: Partial<ExtractionInput>) => extractVerification(mail(parts)).links;

test('a code is found in the subject, the text and the HTML, with kind otp', () => {
  assert.deepEqual(extractVerification(mail({ subject: '482913 is your login code' })).codes, [
    { value: '482913', kind: 'otp' },
  ]);
  assert.equal(topCode({ text: 'Hello,\nYour verification code is 482913.\nThanks' }), '482913');
  assert.equal(topCode({ html: '<p>Your one-time passcode:</p><p><b>482913</b></p>' }), '482913');
});

test('codes in table cells, big bold type and on a line of their own', () => {
  assert.equal(
    topCode({ html: '<table><tr><td>Security code</td><td style="font-size:28px">735102</td></tr></table>' }),
    '735102',
  );
  assert.equal(
    topCode({
      html: '<p>Use the code below to sign in.</p><table><tr><td><div style="font-size:32px;font-weight:bold">735102</div></td></tr></table>',
    }),
    '735102',
  );
  assert.equal(topCode({ text: 'Enter this code in the app:\n\n735102\n\nIt expires soon.' }), '735102');
  // A line of its own in a mail about a code, with no code word next to it.
  assert.equal(
    topCode({
      subject: 'Your verification code',
      text: 'Welcome! Here it is:\n\n735102\n\nEnter it in the app.',
    }),
    '735102',
  );
  assert.equal(
    topCode({ subject: 'Welcome', text: 'Welcome! Here it is:\n\n735102\n\nEnter it in the app.' }),
    null,
  );
  // Each digit in its own cell.
  const cells = [...'735102'].map((d) => `<td style="font-size:24px">${d}</td>`).join('');
  assert.equal(topCode({ html: `<p>Your verification code</p><table><tr>${cells}</tr></table>` }), '735102');
});

test('code words in English, Arabic, Chinese, Spanish, German, French and Russian', () => {
  const lines = [
    'Your OTP is 604812',
    'Your PIN: 604812',
    'Passcode 604812',
    'رمز التحقق: 604812',
    '您的验证码是604812，请勿泄露',
    'Tu código es 604812',
    'Ihr Bestätigungscode lautet 604812',
    'Dein Code: 604812',
    'Votre code de vérification : 604812',
    'Ваш код: 604812',
    '604812 — ваш код подтверждения',
  ];
  for (const text of lines) assert.equal(topCode({ text }), '604812', text);
});

test('separators inside a code are removed', () => {
  assert.equal(topCode({ text: 'Your code: 381-204' }), '381204');
  assert.equal(topCode({ text: 'Your code: 381 204' }), '381204');
  assert.equal(topCode({ text: 'Your code: 4 8 2 9 1 3' }), '482913');
  assert.equal(topCode({ text: 'Your code: 4829 1357' }), '48291357');
  assert.equal(topCode({ text: 'Your code: 381–204' }), '381204'); // en dash
  // A service's initials before the number are not part of the code; an id's letters rule it out.
  assert.equal(topCode({ text: 'G-482913 is your Google verification code.' }), '482913');
  assert.equal(topCode({ text: 'FB-48291 is your Facebook confirmation code' }), '48291');
  assert.equal(topCode({ text: 'Your code refers to INV-20241234' }), null);
});

test('digits of other scripts are returned as ASCII', () => {
  assert.equal(topCode({ text: 'رمز التحقق: ٤٨٢٩١٣' }), '482913'); // Arabic-Indic
  assert.equal(topCode({ text: 'کد تایید شما: ۴۸۲۹۱۳' }), '482913'); // Persian
  assert.equal(topCode({ text: '验证码：４８２９１３' }), '482913'); // full-width
  assert.equal(topCode({ text: 'Your code: ٤٨٢-٩١٣' }), '482913');
  // Character references in HTML: digits as numeric references, a no-break space as separator.
  assert.equal(topCode({ html: '<p>Code: &#52;&#56;&#50;&#57;&#x31;&#x33;</p>' }), '482913');
  assert.equal(topCode({ html: '<p>Your code: <b>482&nbsp;913</b></p>' }), '482913');
});

test('letter-digit codes count next to a code word, not elsewhere', () => {
  assert.equal(topCode({ text: 'Your confirmation code is A7K-92X' }), 'A7K92X');
  assert.equal(topCode({ text: 'Steam Guard code:\n\nF7N2Q' }), 'F7N2Q');
  assert.equal(topCode({ text: 'Your code is below.\nModel X200B arrives soon.' }), null);
  assert.equal(topCode({ text: 'Booking reference: K7XJ2P' }), null);
});

test('years, dates, times, prices, phones, postcodes, order, tracking and card numbers are not codes', () => {
  const notCodes = [
    'Copyright © 2024 Example Inc.',
    'Your code was sent on 2024-12-04 at 10:42.',
    'Delivery on 12/04/2024 between 10:30 and 12:30.',
    'Total: $1,249.99 (1249 USD)',
    'Montant : 1 249,00 €',
    'Call us at 1-800-555-0199 or (800) 555-0199.',
    'Example Inc., 1600 Amphitheatre Parkway, Mountain View, CA 94043',
    'Order #112-4567890-1234567 · Order number: 48213907',
    'Tracking number: 1Z999AA10123456784',
    'Visa ending in 4242 · Card **** 4242',
    'Invoice 100234 is attached.',
    'Номер заказа: 48213907',
    '订单号：284619307512',
    'رقم الطلب: 4821390',
    'Use promo code SAVE30 for 30% off',
    'Gutscheincode: DANKE15X',
  ];
  for (const text of notCodes) assert.deepEqual(codesOf({ text }), [], text);
});

test('an order confirmation and a newsletter have no code', () => {
  assert.deepEqual(
    codesOf({
      subject: 'Your order 48213907 is confirmed',
      html: '<h1>Thanks!</h1><table><tr><td>Order number</td><td><b style="font-size:20px">48213907</b></td></tr><tr><td>Total</td><td>$45.99</td></tr></table>',
    }),
    [],
  );
  assert.deepEqual(
    codesOf({
      subject: 'The year in review',
      html: '<p style="font-size:30px;font-weight:bold">2024</p><p style="font-size:30px;font-weight:bold">48210</p><p>downloads a week</p>',
    }),
    [],
  );
});

test('the best guess comes first and a value is listed once', () => {
  const codes = codesOf({
    subject: 'Your code 604812',
    text: 'Your code is 604812.\nReference: 77120394',
    html: '<p>Your code</p><p style="font-size:30px">604812</p>',
  });
  assert.deepEqual(codes, ['604812']);
});

test('links: absolute http(s) only, entities decoded, deduplicated, action link first', () => {
  const html =
    '<p><a href="/relative">rel</a></p><p><a href="mailto:a@b.c">mail</a></p><p><a href="https://example.com/about">About</a></p>' +
    '<p><a href="https://example.com/c?a=1&amp;b=2&#38;t=Xk9a2LmQp7">Confirm email address</a></p>' +
    '<p><a href="https://example.com/c?a=1&amp;b=2&#38;t=Xk9a2LmQp7">https://example.com/c?a=1&amp;b=2&#38;t=Xk9a2LmQp7</a></p>';
  assert.deepEqual(linksOf({ html, text: 'See https://example.com/about.' }), [
    { url: 'https://example.com/c?a=1&b=2&t=Xk9a2LmQp7', kind: 'verify' },
    { url: 'https://example.com/about', kind: 'other' },
  ]);
});

test('at most 50 links', () => {
  const html = Array.from(
    { length: 120 },
    (_, i) => `<a href="https://example.com/p/${i}">item ${i}</a>`,
  ).join('');
  const links = linksOf({ html });
  assert.equal(links.length, 50);
  assert.equal(links[0]?.url, 'https://example.com/p/0');
});

test('link kinds come from the anchor text, the words around it and the URL', () => {
  const token = 'aB3dE5fG7hJ9kL1mN3pQ5';
  const kind = (html: string) => linksOf({ html })[0]?.kind;
  // A tracking redirect says nothing itself: its anchor does.
  assert.equal(kind(`<a href="https://t.example.net/click?u=${token}">Confirm email address</a>`), 'verify');
  assert.equal(kind(`<a href="https://t.example.net/click?u=${token}">Sign in to Acme</a>`), 'magic_link');
  assert.equal(
    kind(`<a href="https://t.example.net/click?u=${token}">Log in with this link</a>`),
    'magic_link',
  );
  assert.equal(kind(`<a href="https://t.example.net/click?u=${token}">Reset password</a>`), 'reset');
  assert.equal(kind(`<a href="https://t.example.net/click?u=${token}">Unsubscribe</a>`), 'unsubscribe');
  assert.equal(
    kind(
      `<p>To stop receiving these emails, <a href="https://t.example.net/click?u=${token}">click here</a>.</p>`,
    ),
    'unsubscribe',
  );
  assert.equal(
    kind(
      `<p>Please verify your email address:</p><p><a href="https://t.example.net/c/${token}">Click here</a></p>`,
    ),
    'verify',
  );
  assert.equal(
    kind(`<a href="https://example.com/account/verify-email?token=${token}">Continue</a>`),
    'verify',
  );
  // Words of a text part introduce the URL that follows them.
  assert.equal(
    linksOf({
      text: `To reset your password, visit the following address:\n\nhttps://example.com/r?key=${token}`,
    })[0]?.kind,
    'reset',
  );
  // A plain "Sign in" in the navigation carries no token: not a sign-in link.
  assert.equal(kind('<a href="https://example.com/login">Sign in</a>'), 'other');
  assert.equal(kind('<a href="https://example.com/orders/123">View order</a>'), 'other');
  // Confirming an order or an appointment verifies no address.
  assert.equal(
    kind(`<a href="https://shop.example/order/confirm?t=${token}">Confirm order received</a>`),
    'other',
  );
  assert.equal(kind(`<a href="https://example.com/rsvp?t=${token}">Confirm attendance</a>`), 'other');
  // A row of links is navigation: its "Sign in" is not a sign-in link, its "Unsubscribe" still is.
  const row = linksOf({
    html: `<p><a href="https://example.com/p?t=${token}">Share</a> · <a href="https://example.com/sign-in?t=${token}">Sign in</a> · <a href="https://example.com/u?t=${token}">Unsubscribe</a></p>`,
  });
  assert.deepEqual(
    row.map((l) => l.kind),
    ['other', 'other', 'unsubscribe'],
  );
  // Action links come before the others, whatever their place in the mail.
  const links = linksOf({
    html: `<p><a href="https://example.com/unsubscribe">Unsubscribe</a></p><p><a href="https://example.com/blog">Blog</a></p><p><a href="https://example.com/v?t=${token}">Verify email</a></p>`,
  });
  assert.deepEqual(
    links.map((l) => l.kind),
    ['verify', 'unsubscribe', 'other'],
  );
});

test('nothing found gives empty lists', () => {
  assert.deepEqual(extractVerification(mail({})), { codes: [], links: [] });
  assert.deepEqual(extractVerification(mail({ subject: 'Hello', text: 'Just saying hi.' })), {
    codes: [],
    links: [],
  });
});

test('hostile input completes: 1 MB of digits, deep nesting, unclosed tags, endless entities and URLs', () => {
  const mb = 1024 * 1024;
  const inputs: Partial<ExtractionInput>[] = [
    { text: '7'.repeat(mb) },
    { text: '1 '.repeat(mb / 2) },
    { text: '1-'.repeat(mb / 2), subject: 'A-'.repeat(mb / 2) },
    { text: 'code '.repeat(mb / 5) },
    { text: 'https://'.repeat(mb / 8) },
    { html: `${'<div>'.repeat(200_000)}code 482913${'</div>'.repeat(200_000)}` },
    { html: '<a href="'.repeat(mb / 9) },
    { html: '<script>'.repeat(mb / 8) },
    { html: '<!--'.repeat(mb / 4) },
    { html: '&'.repeat(mb) },
    { html: '&#'.repeat(mb / 2) },
    { html: `<p style="font-size:${'9'.repeat(mb)}">` },
    { html: '<a href="https://x.example/a?t=1">'.repeat(mb / 32) },
  ];
  for (const input of inputs) {
    const result = extractVerification(mail(input));
    assert.ok(Array.isArray(result.codes) && Array.isArray(result.links));
    assert.ok(result.links.length <= 50);
  }
  // The code past 20,000 open divs is still read (nesting is not recursed into).
  assert.deepEqual(
    codesOf({ html: `${'<div>'.repeat(20_000)}Your code: 482913${'</div>'.repeat(20_000)}` }),
    ['482913'],
  );
});

test('only the first 256 KB of the text and of the HTML are read', () => {
  const filler = 'x'.repeat(300 * 1024);
  assert.deepEqual(codesOf({ text: `${filler}\nYour code: 482913` }), []);
  assert.deepEqual(codesOf({ text: `Your code: 482913\n${filler}` }), ['482913']);
});

// Trailing punctuation is trimmed from bare URLs by a pattern that starts only where a run of
// punctuation starts (measured: a 64 KB run after a URL took 2 s with the pattern before, 0 ms
// now; a test cannot time synchronous work, so this one checks the trimming).
test('punctuation after a bare URL is not part of it, however long the run', () => {
  const ending = extractVerification({ subject: '', text: 'Go to https://b.example/path...', html: '' });
  assert.deepEqual(
    ending.links.map((l) => l.url),
    ['https://b.example/path'],
  );
  const inside = extractVerification({
    subject: '',
    text: `See https://c.example/a${'.'.repeat(64 * 1024)}`,
    html: '',
  });
  assert.deepEqual(
    inside.links.map((l) => l.url),
    ['https://c.example/a'],
  );
});

test('a reading given a time limit gives the same result within it, and gives up past it', () => {
  const input = mail({
    subject: 'Verify your email address',
    text: 'Your verification code is 482913.\nConfirm: https://accounts.example.net/verify?t=1',
    html: `<p>Your code:</p><p><b>482913</b></p><a href="https://accounts.example.net/verify?t=1">Confirm</a>${'<tr><td>filler</td></tr>'.repeat(2000)}`,
  });
  assert.deepEqual(extractWithin(input, 60_000), extractVerification(input));
  // No time at all: given up, not half done.
  assert.equal(extractWithin(input, 0), undefined);
  assert.equal(extractWithin(mail({ html: `${'<div>'.repeat(20_000)}code 482913` }), 0), undefined);
});
