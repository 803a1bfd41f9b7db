// What the browser checks before a form is sent: the rules the domain applies
// (src/domain/addresses.ts), as `pattern`/`maxlength` attributes with a `title` saying them in
// words, so a mistake is pointed out as it is typed. The server checks again. Patterns are
// matched whole with the `v` flag, and accept capitals, which the server lower-cases.
import { maxLocalPartLength } from '../domain/addresses.ts';
import { html, type SafeHtml } from './html.ts';
import type { MessageKey, Translator } from './i18n/translator.ts';

export interface InputRule {
  pattern: string;
  maxLength: number;
  /** The rule in words, shown by the browser when the pattern is not met. */
  title: MessageKey;
}

/** The name before the @: letters, digits, `.`, `_`, `-`; a letter or digit at each end; no `..`. */
export const localPartRule: InputRule = {
  pattern: `(?!.*\\.\\.)[A-Za-z0-9]([A-Za-z0-9._\\-]{0,${maxLocalPartLength - 2}}[A-Za-z0-9])?`,
  maxLength: maxLocalPartLength,
  title: 'form.nameRule',
};

/** A domain name: dot-separated labels of letters, digits and inner hyphens, ending in letters. */
export const domainRule: InputRule = {
  pattern: '([A-Za-z0-9]([A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}\\.?',
  maxLength: 254,
  title: 'form.domainRule',
};

/** The attributes of a required input following `rule`. */
export function ruleAttributes(t: Translator, rule: InputRule): SafeHtml {
  return html`required pattern="${rule.pattern}" maxlength="${rule.maxLength}" title="${t.t(rule.title)}"`;
}
