// A sign-up verification mail as a service sends it: a code and a "verify" link, in a text and
// an HTML part (or HTML only), for tests of the codes and links read out of received mail.

export interface VerificationMail {
  code: string;
  link: string;
}

export const verification: VerificationMail = {
  code: '482913',
  link: 'https://accounts.example.net/verify?token=7f3a9c1e',
};

/** The raw message (CRLF lines) to `to`; `htmlOnly` leaves out the text part. */
export function verificationMail(
  to: string,
  { code, link }: VerificationMail = verification,
  options: { htmlOnly?: boolean } = {},
): string {
  const html = [
    '<html><body>',
    '<p>Welcome to Example!</p>',
    `<p>Your verification code is <b style="font-size:28px">${code}</b>.</p>`,
    `<p><a href="${link}">Verify your email address</a></p>`,
    '</body></html>',
  ].join('\r\n');
  const text = [
    'Welcome to Example!',
    '',
    `Your verification code is ${code}.`,
    '',
    `Verify your email address: ${link}`,
  ].join('\r\n');
  const head = [
    'From: Example Accounts <no-reply@example.net>',
    `To: <${to}>`,
    'Subject: Verify your email address',
    'Date: Thu, 01 Jan 2026 00:00:00 +0000',
    'Message-ID: <verify-1@example.net>',
    'MIME-Version: 1.0',
  ];
  if (options.htmlOnly) {
    return [...head, 'Content-Type: text/html; charset=utf-8', '', html, ''].join('\r\n');
  }
  return [
    ...head,
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '--b1--',
    '',
  ].join('\r\n');
}
