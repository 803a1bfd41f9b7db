// The API docs page: both dialects, generated from the app's own OpenAPI document (so it lists
// exactly the routes the server has), with parameters, example answers and ready-to-run
// samples for this deployment's URL. Readable without JavaScript; the docs script adds
// language tabs and copy buttons.
import type { FastifyInstance } from 'fastify';
import type { DomainRecord } from '../../store/types.ts';
import {
  type DocGroup,
  type DocOperation,
  extractOperations,
  groupByTag,
  type OpenApiDocument,
} from '../docs/operations.ts';
import { buildSamples, placeholderKey, type Sample } from '../docs/samples.ts';
import { html, ltr, ltrCode, phrase, type SafeHtml, withCodeSpans } from '../html.ts';
import { arabicOperationTexts, arabicSchemaTexts } from '../i18n/api-texts.ts';
import type { Translator } from '../i18n/translator.ts';
import { sendPage, type WebDeps } from '../plugin.ts';

interface PreparedOperation {
  op: DocOperation;
  samples: Sample[];
}

interface Prepared {
  /** The hosted domain the examples name (undefined: none is hosted, a placeholder is used). */
  domain: string | undefined;
  /** The public base URL the samples call. */
  baseUrl: string;
  groups: { group: DocGroup; operations: PreparedOperation[] }[];
}

const quotaHeaders = `X-RateLimit-Limit: 50000
X-RateLimit-Used: 124
X-RateLimit-Remaining: 49876
X-RateLimit-Reset: 2026-05-01T00:00:00+00:00`;

const methodBadge = (method: string) =>
  html`<span class="method method-${method.toLowerCase()}">${method}</span>`;

const codeBlock = (text: string, id?: string) =>
  html`<pre class="code" dir="ltr"><code${id ? html` id="${id}"` : ''}>${text}</code></pre>`;

/**
 * Text of the API reference in the reader's language; English where there is no translation,
 * marked as such. Its `code` spans are shown as code.
 */
function inLanguage(t: Translator, english: string, arabic: string | undefined): SafeHtml {
  return t.lang === 'ar' && arabic !== undefined
    ? html`<span>${withCodeSpans(arabic)}</span>`
    : html`<span lang="en" dir="ltr">${withCodeSpans(english)}</span>`;
}

function operationText(t: Translator, op: DocOperation, part: 'summary' | 'description'): SafeHtml {
  const key = `${op.method.toUpperCase()} ${op.path.replace(/\{(\w+)\}/g, ':$1')}`;
  return inLanguage(t, op[part] ?? '', arabicOperationTexts[key]?.[part]);
}

const schemaText = (t: Translator, english: string) => inLanguage(t, english, arabicSchemaTexts[english]);

function groupTitle(t: Translator, group: DocGroup): { title: string; intro?: SafeHtml } {
  const auth = group.operations[0]?.auth[0];
  if (!auth) return { title: group.tag };
  const intro = phrase(t.t(`docs.dialect.${auth.kind}Intro`), {
    body: ltrCode('{"status": …}'),
    header: ltrCode(`${auth.header}${auth.prefix ? `: ${auth.prefix.trim()}` : ''}`),
  });
  return { title: t.t(`docs.dialect.${auth.kind}`), intro };
}

const groupId = (group: DocGroup) => `group-${group.tag.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;

function intro(t: Translator, baseUrl: string): SafeHtml {
  return html`<section class="card" aria-labelledby="intro-title">
<h2 id="intro-title" class="visually-hidden">${t.t('docs.title')}</h2>
<p>${t.t('docs.lead')}</p>
<h3>${t.t('docs.baseUrl')}</h3>
<p><code dir="ltr">${baseUrl}</code></p>
<p class="muted">${t.t('docs.baseUrlHint')}</p>
<h3>${t.t('docs.authTitle')}</h3>
<p>${t.t('docs.authIntro')}</p>
<div class="table-wrap"><table>
<tbody>
<tr><th scope="row">${t.t('docs.authUser')}</th><td>${ltrCode(`Authorization: Bearer ${placeholderKey}`)}</td></tr>
<tr><th scope="row">${t.t('docs.authKey')}</th><td>${ltrCode(`X-API-Key: ${placeholderKey}`)}</td></tr>
</tbody></table></div>
<p>${t.t('docs.keyWhere')} <a href="/account">${t.t('nav.account')}</a></p>
<h3>${t.t('docs.quotaTitle')}</h3>
<p>${t.t('docs.quotaText')}</p>
${codeBlock(quotaHeaders)}
<p>${t.t('docs.openapi')} <a href="/openapi.json">${ltr('/openapi.json')}</a></p>
</section>`;
}

function contents(t: Translator, prepared: Prepared): SafeHtml {
  return html`<nav class="card" aria-labelledby="toc-title">
<h2 id="toc-title">${t.t('docs.toc')}</h2>
${prepared.groups.map(
  ({ group }) => html`<h3><a href="#${groupId(group)}">${groupTitle(t, group).title}</a></h3>
<ul>${group.operations.map(
    (op) =>
      html`<li><a href="#${op.id}">${methodBadge(op.method)} <code dir="ltr">${op.path}</code></a>${
        op.summary ? html` <span class="muted">${operationText(t, op, 'summary')}</span>` : ''
      }</li>`,
  )}</ul>`,
)}
</nav>`;
}

function parameters(t: Translator, op: DocOperation): SafeHtml {
  if (op.params.length === 0) return html`<p class="muted">${t.t('docs.noParameters')}</p>`;
  const rows = op.params.map(
    (p) => html`<tr><td>${ltr(p.name)}</td><td>${t.t(`docs.in.${p.in}`)}</td>
<td>${ltrCode(p.type)}</td><td>${p.required ? t.t('docs.yes') : t.t('docs.no')}</td>
<td>${p.description ? schemaText(t, p.description) : ''}${p.description && p.enum ? html`<br>` : ''}${
      p.enum
        ? html`${t.t('docs.oneOf')} ${p.enum.map((v, i) => html`${i ? ', ' : ''}<code dir="ltr">${JSON.stringify(v)}</code>`)}`
        : ''
    }</td></tr>`,
  );
  return html`<div class="table-wrap"><table class="params">
<thead><tr><th scope="col">${t.t('docs.col.name')}</th><th scope="col">${t.t('docs.col.in')}</th><th scope="col">${t.t('docs.col.type')}</th><th scope="col">${t.t('docs.col.required')}</th><th scope="col">${t.t('docs.col.description')}</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

function responses(t: Translator, op: DocOperation): SafeHtml {
  const success = op.download
    ? html`<p>${t.t('docs.fileResponse')}</p>`
    : op.success?.example === undefined
      ? html`<p>${t.t('docs.noBody')}</p>`
      : codeBlock(JSON.stringify(op.success.example, null, 2));
  return html`<h4>${t.t('docs.exampleResponse')} <span class="muted">${ltr(op.success?.status ?? '200')}</span></h4>
${op.success?.description ? html`<p>${schemaText(t, op.success.description)}</p>` : ''}
${success}
${
  op.failure
    ? html`<h4>${t.t('docs.errorResponse')} <span class="muted">${ltr(op.failure.status)}</span></h4>
${codeBlock(JSON.stringify(op.failure.example, null, 2))}`
    : ''
}`;
}

function samples(t: Translator, op: DocOperation, list: Sample[]): SafeHtml {
  return html`<h4>${t.t('docs.samples')}</h4>
<div class="samples" data-samples data-tablist-label="${t.t('docs.samples')}" data-copy-label="${t.t('action.copy')}" data-copied-label="${t.t('action.copied')}">
${list.map(
  (s) => html`<div class="tab-panel" id="${op.id}-${s.lang}" data-sample="${s.lang}" data-label="${s.label}">
<h5 data-sample-label>${s.label}</h5>
${codeBlock(s.code, `${op.id}-${s.lang}-code`)}
</div>`,
)}
</div>`;
}

function operation(t: Translator, { op, samples: list }: PreparedOperation): SafeHtml {
  const auth = op.auth.length
    ? op.auth.map(
        (a, i) =>
          html`${i ? html` ${t.t('docs.authOr')} ` : ''}<code dir="ltr">${a.header}: ${a.prefix}${placeholderKey}</code>`,
      )
    : t.t('docs.authNone');
  return html`<article class="endpoint" id="${op.id}" aria-labelledby="${op.id}-title" data-method="${op.method}" data-path="${op.path}">
<h3 id="${op.id}-title">${methodBadge(op.method)} <code dir="ltr">${op.path}</code></h3>
${op.summary ? html`<p><strong>${operationText(t, op, 'summary')}</strong></p>` : ''}
${op.description ? html`<p>${operationText(t, op, 'description')}</p>` : ''}
<p><strong>${t.t('docs.auth')}:</strong> ${auth}</p>
<h4>${t.t('docs.parameters')}</h4>
${parameters(t, op)}
${responses(t, op)}
${samples(t, op, list)}
</article>`;
}

function prepare(doc: OpenApiDocument, baseUrl: string, domain: string | undefined): Prepared {
  const groups = groupByTag(extractOperations(doc, baseUrl, domain));
  return {
    domain,
    baseUrl,
    groups: groups.map((group) => ({
      group,
      operations: group.operations.map((op) => ({ op, samples: buildSamples(op, { baseUrl }) })),
    })),
  };
}

/** The domain samples use, so that they work when pasted: the first free one this server hosts, else any. */
function sampleDomain(domains: DomainRecord[]): string | undefined {
  return (domains.find((d) => d.type === 'free') ?? domains[0])?.name;
}

export async function docsPages(app: FastifyInstance, deps: WebDeps): Promise<void> {
  // The routes are all known once the app is ready, so the document is built on first use (when
  // the public URL is settled too: with an HTTP port of 0 it is only known once bound), and
  // again only when the base URL or the domain its samples name changes.
  let prepared: Prepared | undefined;

  app.get('/docs', async (request, reply) => {
    const baseUrl = deps.services.config.publicUrl.replace(/\/+$/, '');
    const { t } = request.web;
    const domain = sampleDomain(await deps.services.domains.list());
    if (!prepared || prepared.domain !== domain || prepared.baseUrl !== baseUrl) {
      prepared = prepare(app.swagger() as OpenApiDocument, baseUrl, domain);
    }
    return sendPage(reply, deps, request, {
      title: t.t('docs.title'),
      path: '/docs',
      active: 'docs',
      scripts: ['docs'],
      main: html`<h1>${t.t('docs.title')}</h1>
${intro(t, baseUrl)}
${contents(t, prepared)}
<p class="muted">${phrase(t.t('docs.sampleIntro'), { key: ltrCode(placeholderKey) })}</p>
${prepared.groups.map(({ group, operations }) => {
  const { title, intro: about } = groupTitle(t, group);
  return html`<section class="card" id="${groupId(group)}" aria-labelledby="${groupId(group)}-title">
<h2 id="${groupId(group)}-title">${title}</h2>
${about ? html`<p class="muted">${about}</p>` : ''}
${operations.map((entry) => operation(t, entry))}
</section>`;
})}`,
    });
  });
}
