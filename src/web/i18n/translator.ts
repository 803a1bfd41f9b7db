// Chooses the reader's language and formats strings, dates and numbers for it.
import { catalog, type MessageKey } from './catalog.ts';
import { type Lang, languages } from './define.ts';

export type { Lang, MessageKey };

export interface Translator {
  lang: Lang;
  dir: 'ltr' | 'rtl';
  t(key: MessageKey, params?: Record<string, string | number>): string;
  dateTime(ms: number): string;
  number(n: number): string;
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** The saved choice (cookie), else the first supported language the browser asks for, else English. */
export function pickLanguage(saved: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(saved)) return saved;
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', q = 'q=1'] = part.trim().split(';');
      return { lang: tag.trim().toLowerCase().split('-')[0], q: Number(q.split('=')[1] ?? 1) };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  return wanted.map((entry) => entry.lang).find(isLang) ?? 'en';
}

export function interpolate(text: string, params?: Record<string, string | number>): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

export function translator(lang: Lang, timeZone: string): Translator {
  const strings = catalog[lang];
  const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const numbers = new Intl.NumberFormat(lang);
  return {
    lang,
    dir: lang === 'ar' ? 'rtl' : 'ltr',
    t: (key, params) => interpolate(strings[key], params),
    dateTime: (ms) => dates.format(ms),
    number: (n) => numbers.format(n),
  };
}

/** The strings a client script needs, in the reader's language. */
export function clientStrings(lang: Lang, keys: readonly MessageKey[]): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, catalog[lang][key]]));
}

/** A plan's name for people: the built-in plans are translated, others shown as configured. */
export function planLabel(t: Translator, plan: string): string {
  if (plan === 'free') return t.t('plan.free');
  if (plan === 'premium') return t.t('plan.premium');
  return plan;
}
