// The browser's files: client scripts (TypeScript bundled by esbuild) and the stylesheet,
// built in memory when the server starts — no separate build step — and served under
// content-hashed names so they can be cached forever.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Client entry points (src/web/client/<name>.ts). */
const scriptEntries = ['page', 'inbox', 'account', 'admin', 'docs'] as const;
export type ScriptName = (typeof scriptEntries)[number];

export interface Asset {
  body: Buffer;
  contentType: string;
}

export interface WebAssets {
  /** Hashed public path of a script or of the stylesheet. */
  scriptUrl(name: ScriptName): string;
  styleUrl: string;
  /** The asset at a hashed file name (`inbox.3f2a….js`), if there is one. */
  byFileName(fileName: string): Asset | undefined;
}

function hashed(name: string, ext: string, body: Buffer): string {
  return `${name}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`;
}

async function buildAssets(): Promise<WebAssets> {
  const result = await build({
    entryPoints: Object.fromEntries(
      scriptEntries.map((name) => [name, path.join(here, 'client', `${name}.ts`)]),
    ),
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    outdir: '/assets',
    write: false,
    logLevel: 'silent',
  });
  const files = new Map<string, Asset>();
  const urls = new Map<string, string>();
  for (const output of result.outputFiles) {
    const name = path.basename(output.path, '.js');
    const body = Buffer.from(output.contents);
    const fileName = hashed(name, 'js', body);
    files.set(fileName, { body, contentType: 'text/javascript; charset=utf-8' });
    urls.set(name, `/assets/${fileName}`);
  }
  const css = await readFile(path.join(here, 'styles.css'));
  const cssName = hashed('styles', 'css', css);
  files.set(cssName, { body: css, contentType: 'text/css; charset=utf-8' });
  return {
    scriptUrl: (name) => urls.get(name) as string,
    styleUrl: `/assets/${cssName}`,
    byFileName: (fileName) => files.get(fileName),
  };
}

// The build depends only on the source files, so one build serves every server this
// process starts (tests start many).
let built: Promise<WebAssets> | undefined;

export function webAssets(): Promise<WebAssets> {
  built ??= buildAssets().catch((err) => {
    built = undefined;
    throw err;
  });
  return built;
}
