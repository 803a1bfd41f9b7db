// Attachment names come from mail and are untrusted. They become safe display names that are
// unique within their message (the user API addresses attachments by name). They are never
// used as file-system paths: blobs are stored under keys we generate.

const maxNameLength = 200;

/**
 * Characters that change how the rest of a name reads without showing themselves: control
 * characters (C0, C1), format characters (bidirectional embeddings, overrides and isolates
 * U+202A–U+202E and U+2066–U+2069, the Arabic letter mark U+061C, zero-width characters
 * U+200B–U+200F, U+2060–U+2064, U+FEFF, the soft hyphen…) and line or paragraph separators.
 * `inv\u202Efdp.exe` would otherwise show as "invexe.pdf".
 */
const invisibleCharacters = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** `name` without the characters that could disguise it (see invisibleCharacters). */
export function withoutInvisibleCharacters(name: string): string {
  return name.replace(invisibleCharacters, '');
}

export function sanitiseAttachmentName(raw: string | undefined, position: number): string {
  let name = (raw ?? '').split(/[/\\]/).pop() ?? '';
  name = withoutInvisibleCharacters(name).trim();
  name = name.replace(/^\.+/, '').trim();
  if (name.length > maxNameLength) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = name.slice(0, maxNameLength - ext.length) + ext;
  }
  return name || `attachment-${position}`;
}

/** `report.pdf`, `report (2).pdf`, … for names already used in the same message. */
export function uniqueName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}
