// The Content-Security-Policy of our pages: our own scripts and styles only, no inline code,
// frames only from us (the message reader), never framed by others.
export const pageCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The CSP of a received message's sanitised document (src/mail/message-html.ts): no script, no
 * form, sandboxed, and remote images only when the reader asked for them (tracking pixels), so
 * that one stored document serves both views.
 */
export function messageDocumentCsp(allowRemoteImages: boolean): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src data: 'self'${allowRemoteImages ? ' https: http:' : ''}`,
    'font-src data:',
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
    'sandbox allow-popups allow-popups-to-escape-sandbox',
  ].join('; ');
}
