// Parses a raw message once into what we store and show. Parsing never loses a message: if
// the MIME parser fails, the raw message is kept and shown as text with the headers we can read.
import { simpleParser } from 'mailparser';
import { sanitiseAttachmentName, uniqueName } from './attachment-names.ts';
import { safeContentType } from './content-type.ts';

export interface ParsedAttachment {
  name: string;
  contentType: string;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
}

export interface ParsedMail {
  subject: string;
  fromName: string;
  fromEmail: string;
  text: string;
  html: string;
  attachments: ParsedAttachment[];
}

const parserOptions = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
} as const;

export async function parseMail(raw: Buffer, envelopeFrom = ''): Promise<ParsedMail> {
  try {
    const mail = await simpleParser(raw, parserOptions);
    const from = mail.from?.value[0];
    const taken = new Set<string>();
    const attachments = mail.attachments.map((a, i) => {
      const name = uniqueName(sanitiseAttachmentName(a.filename, i + 1), taken);
      taken.add(name);
      return {
        name,
        contentType: safeContentType(a.contentType),
        content: a.content,
        contentId: a.contentId ?? null,
        inline: a.contentDisposition === 'inline' || a.related === true,
      };
    });
    return {
      subject: mail.subject ?? '',
      fromName: from?.name ?? '',
      fromEmail: from?.address ?? envelopeFrom,
      text: mail.text ?? '',
      html: typeof mail.html === 'string' ? mail.html : '',
      attachments,
    };
  } catch {
    return fallbackParse(raw, envelopeFrom);
  }
}

/** Minimal reading of a message the MIME parser rejected: headers as-is, the rest as text. */
export function fallbackParse(raw: Buffer, envelopeFrom: string): ParsedMail {
  const source = raw.toString('utf8');
  const split = source.search(/\r?\n\r?\n/);
  const head = split === -1 ? source : source.slice(0, split);
  const body = split === -1 ? '' : source.slice(split).replace(/^\r?\n\r?\n/, '');
  const header = (name: string) =>
    head
      .replace(/\r?\n[ \t]+/g, ' ')
      .split(/\r?\n/)
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim() ?? '';
  const fromHeader = header('from');
  const address = /<([^>]+)>/.exec(fromHeader)?.[1] ?? (fromHeader.includes('@') ? fromHeader : envelopeFrom);
  const name = fromHeader
    .replace(/<[^>]*>/, '')
    .replace(/"/g, '')
    .trim();
  return {
    subject: header('subject'),
    fromName: name === address ? '' : name,
    fromEmail: address,
    text: body,
    html: '',
    attachments: [],
  };
}
