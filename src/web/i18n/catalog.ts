// Every string of the web UI, by language: the areas' tables merged.
import { account } from './account.ts';
import { admin } from './admin.ts';
import { common } from './common.ts';
import { docs } from './docs.ts';
import { inbox } from './inbox.ts';

const areas = [common, inbox, account, admin, docs] as const;

type Merge<T extends readonly { en: object }[]> = T extends readonly [
  infer H extends { en: object },
  ...infer R extends { en: object }[],
]
  ? H['en'] & Merge<R>
  : unknown;

export type MessageKey = keyof Merge<typeof areas> & string;

function merge(lang: 'en' | 'ar'): Record<MessageKey, string> {
  return Object.assign({}, ...areas.map((area) => area[lang])) as Record<MessageKey, string>;
}

export const catalog = { en: merge('en'), ar: merge('ar') };
