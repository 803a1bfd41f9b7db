// Received HTML made safe for the web UI: hostile markup, URLs and CSS are removed, links open
// in a new context, images come from the message itself, or from elsewhere only when the reader
// asked for them (the document's CSP decides, so that one document serves both views).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MessageHtmlOptions, renderMessageDocument } from '../../src/mail/message-html.ts';
import { messageDocumentCsp } from '../../src/web/csp.ts';

const inlineParts: Record<string, string> = { 'logo@example.com': '/inline/1/logo' };
const defaults: MessageHtmlOptions = {
  inlinePartUrl: (contentId) => inlineParts[contentId],
};

function render(html: string, options: Partial<MessageHtmlOptions> = {}) {
  return renderMessageDocument(html, { ...defaults, ...options });
}

/** What the document's <body> holds. */
function body(html: string, options: Partial<MessageHtmlOptions> = {}): string {
  const { document } = render(html, options);
  const match = /<body>([\s\S]*)<\/body><\/html>$/.exec(document);
  assert.ok(match, document);
  return match[1] ?? '';
}

/** The style sheets taken from the message, after the document's own defaults. */
function messageStyles(html: string): string {
  const { document } = render(html);
  const head = document.slice(0, document.indexOf('</head>'));
  return head.split('</style>').slice(1).join('</style>');
}

test('the document is standalone, with no-referrer, links opening outside, and readable defaults', () => {
  const { document, remoteImages } = render('<p>Hello</p>');
  assert.equal(remoteImages, 0);
  assert.match(
    document,
    /^<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><base target="_blank"><style>[^<]*<\/style><\/head><body><p>Hello<\/p><\/body><\/html>$/,
  );
  assert.match(document, /img\{max-width:100%\}/);
});

test('the CSP allows no script, no form, no remote load but images asked for, and sandboxes', () => {
  assert.equal(
    messageDocumentCsp(false),
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'; font-src data:; form-action 'none'; " +
      "base-uri 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox",
  );
  assert.match(messageDocumentCsp(true), /; img-src data: 'self' https: http:; /);
  assert.doesNotMatch(messageDocumentCsp(true), /script-src|allow-scripts|allow-same-origin|allow-forms/);
});

test('scripts go with their content', () => {
  assert.equal(
    body('<script>alert(1)</script><p>hi</p><SCRIPT src="https://evil/x.js"></SCRIPT>'),
    '<p>hi</p>',
  );
});

test('event handler attributes are removed, whatever the element', () => {
  assert.equal(body('<img src=x onerror=alert(1)>'), '');
  assert.equal(
    body('<img src="data:image/png;base64,AAAA" onerror="alert(1)" OnLoad="alert(2)">'),
    '<img src="data:image/png;base64,AAAA" />',
  );
  assert.equal(body('<p onclick="alert(1)" onmouseover=alert(2)>x</p>'), '<p>x</p>');
});

test('the message body element becomes a div without its handlers', () => {
  const out = body(
    '<html><head><title>Subject</title></head><body onload="alert(1)" bgcolor="#eeeeee"><p>x</p></body></html>',
  );
  assert.equal(out, '<div style="background-color:#eeeeee"><p>x</p></div>');
});

test('svg and math go with their content', () => {
  assert.equal(body('<svg onload=alert(1)><script>alert(2)</script><text>t</text></svg>after'), 'after');
  assert.equal(
    body(
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>x',
    ),
    'x',
  );
});

test('javascript: links are removed, whatever the case, entities or whitespace', () => {
  const hostile = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    '&#106;avascript:alert(1)',
    '&#x6A;&#x61;vascript:alert(1)',
    'jav&#x09;ascript:alert(1)',
    'jav\tascript:alert(1)',
    'java\nscript:alert(1)',
    ' \u0001javascript:alert(1)',
    'javascript&colon;alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'DATA:image/png;base64,AAAA',
    'file:///etc/passwd',
    '/api/messages/1',
    '#top',
  ];
  for (const href of hostile) {
    const out = body(`<a href="${href}" target="_top">link</a>`);
    assert.equal(out, '<a>link</a>', href);
  }
});

test('links open in a new context without opener or referrer; http, https and mailto only', () => {
  assert.equal(
    body('<a href="https://example.com/a?b=1&amp;c=2" target="_top" rel="opener">x</a>'),
    '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">x</a>',
  );
  assert.equal(
    body('<a href="HTTP://example.com/">x</a>'),
    '<a href="HTTP://example.com/" target="_blank" rel="noopener noreferrer">x</a>',
  );
  assert.equal(
    body('<a href="mailto:someone@example.com?subject=Hi">mail</a>'),
    '<a href="mailto:someone@example.com?subject=Hi" target="_blank" rel="noopener noreferrer">mail</a>',
  );
  assert.equal(body('<a href="tel:+123">t</a><a href="ftp://x/y">f</a>'), '<a>t</a><a>f</a>');
  assert.equal(body('<a name="anchor">a</a>'), '<a name="anchor">a</a>');
});

test('frames, forms, objects and document-level elements are removed', () => {
  assert.equal(body('<iframe src="https://evil/"><b>fallback</b></iframe>x'), 'x');
  assert.equal(body('<iframe srcdoc="<script>alert(1)</script>"></iframe>x'), 'x');
  assert.equal(
    body('<form action="https://evil/steal" method="post"><input name="password"><button>Go</button></form>'),
    'Go',
  );
  assert.equal(body('<meta http-equiv="refresh" content="0;url=https://evil/">x'), 'x');
  assert.equal(body('<base href="https://evil/">x'), 'x');
  assert.equal(body('<object data="https://evil/x.swf"><embed src="https://evil/y.swf"></object>x'), 'x');
  assert.equal(body('<link rel="stylesheet" href="https://evil/x.css">x'), 'x');
  assert.equal(body('<template><img src=x onerror=alert(1)></template>x'), 'x');
  assert.equal(body('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>x'), 'x');
  assert.equal(body('<textarea><img src=x onerror=alert(1)></textarea>x'), 'x');
});

test('style attributes keep presentational properties only, and nothing that loads or runs', () => {
  assert.equal(
    body('<p style="color:red;font-size:14px;position:fixed;behavior:url(x.htc)">x</p>'),
    '<p style="color:red;font-size:14px">x</p>',
  );
  assert.equal(
    body(
      '<td style="background:url(https://evil/t.png);background-color:#fff;width:expression(alert(1))">x</td>',
    ),
    '<td style="background-color:#fff">x</td>',
  );
  assert.equal(body('<p style="background-image:u\\72l(https://evil/t.png)">x</p>'), '<p>x</p>');
  assert.equal(
    body('<p style="font-family:\'Helvetica Neue\', Arial">x</p>'),
    `<p style="font-family:'Helvetica Neue', Arial">x</p>`,
  );
});

test('style elements are kept, moved to the head, without anything that loads from elsewhere', () => {
  const css = messageStyles(
    '<head><style media="screen and (max-width:600px)">.x{color:red}</style></head>' +
      '<style>@import url(https://evil/a.css); @import "https://evil/b.css"; @IMPORT \'c.css\';' +
      '.a{background:url(https://evil/t.png)} .b{background:URL( "http://evil/u.png" )}' +
      '.c{width:expression(alert(1))} .d{background:u\\72l(https://evil/c.png)} @im\\70ort "d.css";' +
      '.e{background:image-set("https://evil/x.png" 1x)} .f{-moz-binding:url(https://evil/x.xml#x)}' +
      ".g{background:url(cid:logo@example.com)} .h{background:url('data:image/png;base64,AAAA')}" +
      '.i{background:url(/api/messages)} .j{background:u/**/rl(https://evil/z.png)}' +
      '.k:after{content:"\\3c/style>\\3cscript>alert(1)\\3c/script>"}</style><p>x</p>',
  );
  assert.match(css, /^<style media="screen and \(max-width:600px\)">\.x\{color:red\}<\/style><style>/);
  assert.doesNotMatch(css, /@import|expression|image-set|binding|<script/i);
  // The only URLs left are the inline part and the data: image.
  assert.deepEqual(css.match(/url\([^)]*\)/gi), [
    'url("/inline/1/logo")',
    'url("data:image/png;base64,AAAA")',
  ]);
  assert.match(css, /\.a\{background: none \}/);
  assert.match(css, /\.g\{background:url\("\/inline\/1\/logo"\)\}/);
  assert.match(css, /\.h\{background:url\("data:image\/png;base64,AAAA"\)\}/);
  // The style text cannot end its element: the only `<` left are those of the two <style> elements.
  assert.equal(css.split('<').length - 1, 4);
  assert.match(css, /content:"\\3c \/style>\\3c script>/);
});

test('an unclosed style element does not swallow the document', () => {
  const { document } = render('<style>.x{color:red}');
  assert.match(document, /<style>\.x\{color:red\}<\/style><\/head><body><\/body><\/html>$/);
});

test('remote images are kept for the CSP to block or allow, counted, without srcset', () => {
  const html =
    '<p>Hi<img src="https://track.example/open.gif?u=1" width="1" height="1"></p>' +
    '<img src="http://cdn.example/logo.png" alt="Example &amp; Co" srcset="https://cdn.example/logo2.png 2x">' +
    '<img src="//cdn.example/p.png"><img src="  HTTPS://cdn.example/x.png ">';
  const { document, remoteImages } = render(html);
  assert.equal(remoteImages, 4);
  assert.match(
    document,
    /<body><p>Hi<img width="1" height="1" src="https:\/\/track\.example\/open\.gif\?u=1" \/><\/p><img alt="Example &amp; Co" src="http:\/\/cdn\.example\/logo\.png" \/><img src="https:\/\/cdn\.example\/p\.png" \/><img src="HTTPS:\/\/cdn\.example\/x\.png" \/><\/body>/,
  );
  assert.doesNotMatch(document, /srcset|logo2/);
  // Only the CSP of the reader who asked lets them load.
  assert.doesNotMatch(messageDocumentCsp(false), /https?:/);
});

test('remote background attributes are kept and counted; others are dropped', () => {
  const html = '<table background="https://cdn.example/bg.png" cellpadding="0"><tr><td>x</td></tr></table>';
  const { document, remoteImages } = render(html);
  assert.equal(remoteImages, 1);
  assert.match(document, /<table cellpadding="0" background="https:\/\/cdn\.example\/bg\.png">/);
  assert.equal(
    body('<td background="javascript:alert(1)">x</td><td background="cid:logo@example.com">y</td>'),
    '<td>x</td><td background="/inline/1/logo">y</td>',
  );
});

test('cid: images point at the inline part, and go when the message has no such part', () => {
  assert.equal(
    body(
      '<img src="cid:logo@example.com" alt="Logo"><img src="CID:%3Clogo@example.com%3E"><img src="cid:missing@x" alt="m">',
    ),
    '<img alt="Logo" src="/inline/1/logo" /><img src="/inline/1/logo" />',
  );
  // A dropped image does not disturb the elements after it.
  assert.equal(
    body('<div><img src="cid:missing"><b>bold</b><i>it</i></div>'),
    '<div><b>bold</b><i>it</i></div>',
  );
});

test('data: images are kept, other data: and unknown image URLs are not', () => {
  assert.equal(
    body('<img src="data:image/gif;base64,R0lGOD">'),
    '<img src="data:image/gif;base64,R0lGOD" />',
  );
  assert.equal(
    body(
      '<img src="data:text/html,<script>alert(1)</script>"><img src="javascript:alert(1)"><img src="/api/messages">',
    ),
    '',
  );
});

test('a newsletter keeps its tables, text and formatting', () => {
  const html = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>Weekly news</title>
<style type="text/css">body{margin:0} .title{font-size:24px;color:#333} @media only screen and (max-width:600px){.col{width:100%!important}}</style>
<!--[if mso]><style>.mso{display:none}</style><![endif]--></head>
<body style="margin:0;padding:0" bgcolor="#f4f4f4">
<center><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" align="center" bgcolor="#ffffff" class="wrapper">
<tr><td class="col" valign="top" style="padding:20px;font-family:Arial, sans-serif">
<h1 class="title">This week</h1>
<p>Hello <b>reader</b>, here is <i>the</i> <font color="#ff0000" face="Arial">news</font>.</p>
<ul><li>One</li><li>Two</li></ul>
<a href="https://news.example/read?id=1&amp;utm=mail" style="color:#0066cc;text-decoration:none">Read more</a>
<img src="https://news.example/open.gif" width="1" height="1" alt="">
</td></tr></table>
<p style="font-size:11px">You can <a href="https://news.example/unsubscribe">unsubscribe</a>.</p></center>
</body></html>`;
  const { document, remoteImages } = render(html);
  assert.equal(remoteImages, 1);
  assert.match(
    document,
    /<style>body\{margin:0\} \.title\{font-size:24px;color:#333\} @media only screen and \(max-width:600px\)\{\.col\{width:100%!important\}\}<\/style><\/head>/,
  );
  assert.match(document, /<div style="background-color:#f4f4f4;margin:0;padding:0">/);
  assert.match(
    document,
    /<center><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" align="center" bgcolor="#ffffff" class="wrapper">/,
  );
  assert.match(document, /<td class="col" valign="top" style="padding:20px;font-family:Arial, sans-serif">/);
  assert.match(document, /<h1 class="title">This week<\/h1>/);
  assert.match(
    document,
    /<p>Hello <b>reader<\/b>, here is <i>the<\/i> <font color="#ff0000" face="Arial">news<\/font>\.<\/p>/,
  );
  assert.match(document, /<ul><li>One<\/li><li>Two<\/li><\/ul>/);
  assert.match(
    document,
    /<a style="color:#0066cc;text-decoration:none" href="https:\/\/news\.example\/read\?id=1&amp;utm=mail" target="_blank" rel="noopener noreferrer">Read more<\/a>/,
  );
  assert.match(document, /<\/td><\/tr><\/table>/);
  assert.match(document, /<p style="font-size:11px">You can <a href="https:\/\/news\.example\/unsubscribe"/);
  assert.doesNotMatch(document, /Weekly news|mso|<meta http-equiv/);
  // The pixel stays for the CSP to block (it loads only for a reader who asks for images).
  assert.match(document, /<img width="1" height="1" alt="" src="https:\/\/news\.example\/open\.gif" \/>/);
});
