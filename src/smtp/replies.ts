// Every SMTP reply Burnbox chooses, in one place: 4xx = try again later, 5xx = permanent.
// Enhanced status codes (RFC 3463) are written here, in the reply text.

export class SmtpReply extends Error {
  readonly responseCode: number;
  /** Why, in one word: the label of the refusal in the log and the metrics. */
  readonly reason: string;
  constructor(code: number, text: string, reason: string) {
    super(text);
    this.responseCode = code;
    this.reason = reason;
  }
}

export const replies = {
  /** Text of the 250 after DATA: said only once the message is durably stored. */
  stored: 'Ok: message stored',
  noSuchMailbox: (address: string) =>
    new SmtpReply(550, `5.1.1 <${address}>: no such mailbox here`, 'no_such_mailbox'),
  relayDenied: (address: string) =>
    new SmtpReply(550, `5.7.1 <${address}>: relay access denied`, 'foreign_domain'),
  badAddress: (address: string) => new SmtpReply(553, `5.1.3 <${address}>: malformed address`, 'bad_address'),
  tooBig: (limit: number) =>
    new SmtpReply(552, `5.3.4 Message exceeds the maximum size of ${limit} bytes`, 'too_big'),
  storeFailed: () =>
    new SmtpReply(451, '4.3.0 Temporary failure storing the message, please try again later', 'store_failed'),
  recipientCheckFailed: () =>
    new SmtpReply(
      451,
      '4.3.0 Temporary failure checking the recipient, please try again later',
      'recipient_check_failed',
    ),
  /** The disk (or the database) is full: RFC 3463's 4.3.1, and the sender retries later. */
  storageFull: () =>
    new SmtpReply(452, '4.3.1 Insufficient system storage, please try again later', 'storage_full'),
  storeTimeout: () =>
    new SmtpReply(451, '4.3.0 Storing the message timed out, please try again later', 'store_timeout'),
  shuttingDown: () =>
    new SmtpReply(421, '4.3.2 Service shutting down, please try again later', 'shutting_down'),
  /** Too many message bytes in flight on this server right now: the sender retries later. */
  busy: () => new SmtpReply(451, '4.3.1 Too much mail in progress, please try again later', 'busy'),
  /** MAIL FROM declared (SIZE=) more than fits right now (RFC 1870: 452). */
  busyForSize: () =>
    new SmtpReply(
      452,
      '4.3.1 Insufficient system storage for a message this size now, please try again later',
      'busy_for_size',
    ),
  // Each 421 ends the session (smtp-server closes the connection after it).
  tooManyConnections: () =>
    new SmtpReply(
      421,
      '4.7.0 Too many connections from your address, please try again later',
      'too_many_connections',
    ),
  sessionTooLong: () =>
    new SmtpReply(421, '4.4.2 Session time limit reached, please reconnect', 'session_too_long'),
  tooManyMessages: () =>
    new SmtpReply(
      421,
      '4.7.0 Too many messages in one session, please reconnect to send more',
      'too_many_messages',
    ),
};
