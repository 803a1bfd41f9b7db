// Attachment names come from mail and are untrusted. They become safe display names that are
// unique within their message (the user API addresses attachments by name). They are never
// used as file-system paths: blobs are stored under keys we generate.

const maxNameLength = 200;

export function sanitiseAttachmentName(raw: string | undefined, position: number): string {
  let name = (raw ?? '').split(/[/\\]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  name = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
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
