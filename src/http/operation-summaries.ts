// One line and a short description per API operation, for the OpenAPI document (and so the
// /docs page). Keyed by method and route path as registered.
export const operationSummaries: Record<string, { summary: string; description: string }> = {
  'GET /api/domains': {
    summary: 'List domains',
    description: 'Domains your plan may use for new addresses; ?type=free|premium|all narrows the list.',
  },
  'GET /api/custom-domains': {
    summary: 'List your custom domains',
    description:
      'Domains you linked, each with its status (`pending`, `verified`, `failed`), what the last DNS lookup found and the records to create; and how many your plan allows.',
  },
  'POST /api/custom-domains': {
    summary: 'Link a custom domain',
    description:
      'Links a domain of yours (`{"domain": …}`), pending until its DNS has an MX record pointing at this server and the TXT record `burnbox-verify=<token>` shown in the answer; it is looked up in the background until `checks_until`.',
  },
  'GET /api/custom-domains/:domain': {
    summary: 'Read a custom domain',
    description: 'One of your domains: status, last lookup, records to create, catch-all.',
  },
  'POST /api/custom-domains/:domain/verify': {
    summary: 'Check a custom domain now',
    description:
      'Looks its MX and TXT records up now; the answer is the domain as it stands after (verified, or with the problem found).',
  },
  'PUT /api/custom-domains/:domain/catch-all': {
    summary: 'Set a catch-all',
    description:
      'Mail to any address of the verified domain that has no mailbox goes to one of your mailboxes (`{"email": …}`).',
  },
  'DELETE /api/custom-domains/:domain/catch-all': {
    summary: 'Remove the catch-all',
    description: 'Mail to addresses of the domain without a mailbox is refused again.',
  },
  'DELETE /api/custom-domains/:domain': {
    summary: 'Remove a custom domain',
    description:
      'Unlinks the domain: its mail is refused at once, and its mailboxes are deleted with their messages.',
  },
  'POST /api/emails': {
    summary: 'Create a random mailbox',
    description: 'A new address with a random name on a domain of your plan, living for the plan’s lifetime.',
  },
  'POST /api/emails/:current/:username/:domain': {
    summary: 'Change a mailbox’s address',
    description:
      'Replaces the mailbox `current` with `username@domain`; the old address and its messages are deleted.',
  },
  'DELETE /api/emails/:email': {
    summary: 'Delete a mailbox',
    description: 'Deletes the mailbox and all its messages; the address stays reserved for you for a while.',
  },
  'GET /api/messages': {
    summary: 'List messages',
    description: 'Every message of the mailbox ?email=, newest first, with bodies and attachment links.',
  },
  'GET /api/messages/:id': {
    summary: 'Read a message',
    description: 'One message in full; reading marks it seen.',
  },
  'GET /api/messages/:id/extract': {
    summary: 'Codes and links of a message',
    description:
      'The verification codes (best guess first) and links (the action link first) read from the message when it arrived; it is not marked seen.',
  },
  'DELETE /api/messages/:id': { summary: 'Delete a message', description: 'Deletes one message.' },
  'GET /api/messages/:id/attachments/:filename': {
    summary: 'Download an attachment',
    description: 'The attachment’s bytes, exactly as received, with its content type.',
  },
  'GET /api/email/domains': { summary: 'List domains', description: 'Domains available for new addresses.' },
  'POST /api/emails/generate': {
    summary: 'Create a mailbox',
    description:
      'Creates `name@domain` living `expiryTime` milliseconds (0 = permanent, where the plan allows).',
  },
  'GET /api/emails': {
    summary: 'List mailboxes',
    description:
      'Your live mailboxes, newest first, 20 per page; pass nextCursor as ?cursor= for the next page.',
  },
  'DELETE /api/emails/:emailId': {
    summary: 'Delete a mailbox',
    description: 'Deletes the mailbox and its messages.',
  },
  'GET /api/emails/:emailId': {
    summary: 'List a mailbox’s messages',
    description: 'Messages of the mailbox, newest first, 20 per page, with a cursor for the next page.',
  },
  'GET /api/emails/:emailId/:messageId': { summary: 'Read a message', description: 'One message in full.' },
  'GET /api/emails/:emailId/:messageId/extract': {
    summary: 'Codes and links of a message',
    description:
      'The verification codes (best guess first) and links (the action link first) read from the message when it arrived; it is not marked seen.',
  },
  'DELETE /api/emails/:emailId/:messageId': {
    summary: 'Delete a message',
    description: 'Deletes one message.',
  },
  'GET /api/webhook': {
    summary: 'Webhook settings',
    description: 'Your webhook URL and whether it is enabled.',
  },
  'POST /api/webhook': {
    summary: 'Set the webhook',
    description: 'Sets the URL that receives a signed POST for every new message, and its switch.',
  },
  'GET /api/webhook/secret': {
    summary: 'Signing secret',
    description: 'The secret of the X-Webhook-Signature header (HMAC-SHA256 of "timestamp.body").',
  },
  'POST /api/webhook/secret': {
    summary: 'Rotate the signing secret',
    description: 'Replaces the signing secret.',
  },
  'GET /api/webhook/deliveries': {
    summary: 'Delivery log',
    description: 'Recent delivery attempts, newest first, with status and outcome.',
  },
  'POST /api/webhook/test': {
    summary: 'Send a test event',
    description: 'Queues a test event to your webhook URL, even while the webhook is switched off.',
  },
  'GET /api/messages/wait': {
    summary: 'Wait for a message',
    description:
      'Answers with the oldest unseen message of ?email= matching ?from=, ?subject= and ?to= (or the first after ?after=), ' +
      'with its codes and links, and marks it seen; holds the request until one is stored, up to ?timeout= seconds ' +
      '(default 30, at most 60), then 408.',
  },
  'GET /api/messages/stream': {
    summary: 'Stream new messages',
    description:
      'Server-Sent Events: one `message` event per new message of ?email= (id: the message id; data: as the wait answer), ' +
      'a heartbeat every 15 s; Last-Event-ID (or ?lastEventId=) first replays what arrived after that message.',
  },
  'GET /api/emails/:emailId/wait': {
    summary: 'Wait for a message',
    description:
      'Answers with the oldest unseen message matching ?from=, ?subject= and ?to= (or the first after ?after=), with its ' +
      'codes and links, and marks it seen; holds the request until one is stored, up to ?timeout= seconds (default 30, ' +
      'at most 60), then 408.',
  },
  'GET /api/emails/:emailId/stream': {
    summary: 'Stream new messages',
    description:
      'Server-Sent Events: one `message` event per new message (id: its id; data: as the wait answer), a heartbeat ' +
      'every 15 s; Last-Event-ID (or ?lastEventId=) first replays what arrived after that message.',
  },
  'GET /api/config': {
    summary: 'Site configuration',
    description:
      'Upstream MoeMail’s configuration: the domains your plan may use (comma-separated), the default role and the ' +
      'mailbox cap, for MoeMail’s own clients.',
  },
};
