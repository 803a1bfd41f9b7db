// Ready-to-run requests for one operation in curl, JavaScript (fetch), Python (requests) and
// PHP (curl), in the style of the seed documents: the deployment's URL, the dialect's auth
// header with a placeholder key, and the JSON body when the operation takes one.
import type { DocOperation } from './operations.ts';

export type SampleLang = 'curl' | 'javascript' | 'python' | 'php';

export interface Sample {
  lang: SampleLang;
  /** The language's name (the same in every UI language). */
  label: string;
  code: string;
}

export interface SampleOptions {
  baseUrl: string;
  apiKey?: string;
}

export const placeholderKey = 'YOUR_API_KEY';

/** A path or query value: encoded, but `@` kept as is (valid there, and easier to read). */
function encodeValue(value: unknown): string {
  return encodeURIComponent(String(value)).replace(/%40/g, '@');
}

/** The full URL of the operation with example values for its path and query parameters. */
export function sampleUrl(op: DocOperation, baseUrl: string): string {
  let path = op.path;
  const query: string[] = [];
  for (const p of op.params) {
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeValue(p.example));
    // Optional query parameters appear only when they pick between listed values.
    else if (p.in === 'query' && (p.required || p.enum)) query.push(`${p.name}=${encodeValue(p.example)}`);
  }
  return `${baseUrl.replace(/\/+$/, '')}${path}${query.length ? `?${query.join('&')}` : ''}`;
}

/** The request headers, as `Name: value` lines. */
export function sampleHeaders(op: DocOperation, apiKey = placeholderKey): string[] {
  const auth = op.auth[0];
  return [
    ...(auth ? [`${auth.header}: ${auth.prefix}${apiKey}`] : []),
    'Accept: application/json',
    ...(op.body === undefined ? [] : ['Content-Type: application/json']),
  ];
}

/** The name a download is saved under: the example file name in the path, if any. */
function downloadName(op: DocOperation): string {
  const file = op.params.find((p) => p.in === 'path' && /file/i.test(p.name));
  return file ? String(file.example) : 'download.bin';
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const jsString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const phpString = jsString;
const pyString = (s: string) => (/^[\x20-\x7e]*$/.test(s) && !/['\\]/.test(s) ? `'${s}'` : JSON.stringify(s));

/** Indents every line but the first by `pad`. */
const indentRest = (text: string, pad: string) => text.replace(/\n/g, `\n${pad}`);

function literal(value: unknown, lang: 'python' | 'php', indent: string): string {
  const inner = `${indent}    `;
  if (value === null || value === undefined) return lang === 'python' ? 'None' : 'null';
  if (typeof value === 'boolean') return lang === 'python' ? (value ? 'True' : 'False') : String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  if (typeof value === 'string') return lang === 'python' ? pyString(value) : phpString(value);
  const str = lang === 'python' ? pyString : phpString;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${inner}${literal(v, lang, inner)},\n`).join('')}${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return lang === 'python' ? '{}' : '(object) []';
  const [open, sep, close] = lang === 'python' ? ['{', ': ', '}'] : ['[', ' => ', ']'];
  const lines = entries.map(([k, v]) => `${inner}${str(k)}${sep}${literal(v, lang, inner)},\n`);
  return `${open}\n${lines.join('')}${indent}${close}`;
}

function curl(op: DocOperation, url: string, headers: string[]): string {
  const lines = [`curl --request ${op.method}`, `  --url ${shellQuote(url)}`];
  for (const h of headers) lines.push(`  --header ${shellQuote(h)}`);
  if (op.body !== undefined) lines.push(`  --data ${shellQuote(JSON.stringify(op.body, null, 2))}`);
  if (op.download) lines.push(`  --output ${shellQuote(downloadName(op))}`);
  return lines.join(' \\\n');
}

function javascript(op: DocOperation, url: string, headers: string[]): string {
  const headerLines = headers.map((h) => {
    const at = h.indexOf(': ');
    return `    ${jsString(h.slice(0, at))}: ${jsString(h.slice(at + 2))},\n`;
  });
  const body =
    op.body === undefined
      ? ''
      : `  body: JSON.stringify(${indentRest(JSON.stringify(op.body, null, 2), '  ')}),\n`;
  const request = `const response = await fetch(${jsString(url)}, {
  method: '${op.method}',
  headers: {
${headerLines.join('')}  },
${body}});
if (!response.ok) {
  throw new Error(\`Request failed with status \${response.status}\`);
}
`;
  if (!op.download) return `${request}const data = await response.json();\nconsole.log(data);`;
  return `${request}const blob = await response.blob();
const downloadUrl = URL.createObjectURL(blob);
const link = document.createElement('a');
link.href = downloadUrl;
link.download = ${jsString(downloadName(op))};
document.body.appendChild(link);
link.click();
link.remove();
URL.revokeObjectURL(downloadUrl);`;
}

function python(op: DocOperation, url: string, headers: string[]): string {
  const headerLines = headers.map((h) => {
    const at = h.indexOf(': ');
    return `    ${pyString(h.slice(0, at))}: ${pyString(h.slice(at + 2))},\n`;
  });
  const method = op.method.toLowerCase();
  const call = ['get', 'post', 'put', 'patch', 'delete'].includes(method)
    ? `requests.${method}(${pyString(url)}`
    : `requests.request(${pyString(op.method)}, ${pyString(url)}`;
  const payload = op.body === undefined ? '' : `payload = ${literal(op.body, 'python', '')}\n`;
  const args = `headers=headers${op.body === undefined ? '' : ', json=payload'}${op.download ? ', stream=True' : ''}`;
  const request = `import requests

headers = {
${headerLines.join('')}}
${payload}response = ${call}, ${args}, timeout=30)
response.raise_for_status()
`;
  if (!op.download) return `${request}print(response.json())`;
  return `${request}with open(${pyString(downloadName(op))}, 'wb') as handle:
    for chunk in response.iter_content(chunk_size=8192):
        if chunk:
            handle.write(chunk)`;
}

function php(op: DocOperation, url: string, headers: string[]): string {
  const options = [
    `    CURLOPT_CUSTOMREQUEST => ${phpString(op.method)},`,
    op.download ? '    CURLOPT_FILE => $fileHandle,' : '    CURLOPT_RETURNTRANSFER => true,',
    '    CURLOPT_HTTPHEADER => [',
    ...headers.map((h) => `        ${phpString(h)},`),
    '    ],',
  ];
  if (op.body !== undefined) {
    options.push(`    CURLOPT_POSTFIELDS => json_encode(${literal(op.body, 'php', '    ')}),`);
  }
  const setup = `$ch = curl_init(${phpString(url)});
curl_setopt_array($ch, [
${options.join('\n')}
]);
`;
  if (op.download) {
    return `<?php
$fileHandle = fopen(${phpString(downloadName(op))}, 'w');
${setup}if (curl_exec($ch) === false) {
    fclose($fileHandle);
    throw new RuntimeException(curl_error($ch));
}
curl_close($ch);
fclose($fileHandle);`;
  }
  return `<?php
${setup}$response = curl_exec($ch);
if ($response === false) {
    throw new RuntimeException(curl_error($ch));
}
$statusCode = curl_getinfo($ch, CURLINFO_HTTP_CODE);
curl_close($ch);
var_dump($statusCode, json_decode($response, true));`;
}

/** The four samples of `op`, curl first. */
export function buildSamples(op: DocOperation, options: SampleOptions): Sample[] {
  const url = sampleUrl(op, options.baseUrl);
  const headers = sampleHeaders(op, options.apiKey);
  return [
    { lang: 'curl', label: 'curl', code: curl(op, url, headers) },
    { lang: 'javascript', label: 'JavaScript', code: javascript(op, url, headers) },
    { lang: 'python', label: 'Python', code: python(op, url, headers) },
    { lang: 'php', label: 'PHP', code: php(op, url, headers) },
  ];
}
