// Every SMTP reply Burnbox chooses, in one place: 4xx = try again later, 5xx = permanent.
// Enhanced status codes (RFC 3463) are written here, in the reply text.

export class SmtpReply extends Error {
  readonly responseCode: number;
  constructor(code: number, text: string) {
    super(text);
    this.responseCode = code;
  }
}

export const replies = {
  /** Text of the 250 after DATA: said only once the message is durably stored. */
  stored: 'Ok: message stored',
  noSuchMailbox: (address: string) => new SmtpReply(550, `5.1.1 <${address}>: no such mailbox here`),
  relayDenied: (address: string) => new SmtpReply(550, `5.7.1 <${address}>: relay access denied`),
  badAddress: (address: string) => new SmtpReply(553, `5.1.3 <${address}>: malformed address`),
  tooBig: (limit: number) => new SmtpReply(552, `5.3.4 Message exceeds the maximum size of ${limit} bytes`),
  storeFailed: () =>
    new SmtpReply(451, '4.3.0 Temporary failure storing the message, please try again later'),
  recipientCheckFailed: () =>
    new SmtpReply(451, '4.3.0 Temporary failure checking the recipient, please try again later'),
  /** The disk (or the database) is full: RFC 3463's 4.3.1, and the sender retries later. */
  storageFull: () => new SmtpReply(452, '4.3.1 Insufficient system storage, please try again later'),
  storeTimeout: () => new SmtpReply(451, '4.3.0 Storing the message timed out, please try again later'),
  shuttingDown: () => new SmtpReply(421, '4.3.2 Service shutting down, please try again later'),
  /** Too many message bytes in flight on this server right now: the sender retries later. */
  busy: () => new SmtpReply(451, '4.3.1 Too much mail in progress, please try again later'),
  /** MAIL FROM declared (SIZE=) more than fits right now (RFC 1870: 452). */
  busyForSize: () =>
    new SmtpReply(
      452,
      '4.3.1 Insufficient system storage for a message this size now, please try again later',
    ),
  // Each 421 ends the session (smtp-server closes the connection after it).
  tooManyConnections: () =>
    new SmtpReply(421, '4.7.0 Too many connections from your address, please try again later'),
  sessionTooLong: () => new SmtpReply(421, '4.4.2 Session time limit reached, please reconnect'),
  tooManyMessages: () =>
    new SmtpReply(421, '4.7.0 Too many messages in one session, please reconnect to send more'),
};
