// Form mistakes are told on the form they were made in: a refusal of what was typed (a domain
// error: invalid, taken, unknown, not allowed) gives the form's page again, with the sentence
// next to the fields and what was typed still in them, and a 4xx status. Only failures that
// are ours go on to the generic error page.
import { DomainError, type DomainErrorKind } from '../domain/errors.ts';
import { WebError, webErrorView } from './errors.ts';
import { html, type SafeHtml } from './html.ts';
import type { MessageKey, Translator } from './i18n/translator.ts';

export interface FormError {
  text: string;
  status: number;
  /** The domain error's kind; undefined for the web layer's own refusals (rate limits). */
  kind?: DomainErrorKind;
}

/**
 * A form's own sentence for each kind of refusal, shown in languages other than English: the
 * domain speaks English only, and in English its own, more precise sentence is shown.
 */
export type FormSentences = Partial<Record<DomainErrorKind, MessageKey>>;

/** The refusal as the form tells it, or undefined when `err` is no refusal of the input. */
export function formError(t: Translator, err: unknown, sentences: FormSentences = {}): FormError | undefined {
  if (err instanceof WebError) return { text: err.message, status: err.status };
  if (!(err instanceof DomainError)) return undefined;
  const view = webErrorView(t, err);
  const own = sentences[err.kind];
  return { text: t.lang !== 'en' && own ? t.t(own) : view.text, status: view.status, kind: err.kind };
}

/** Runs a form's action; a refusal of the input comes back as `showForm(error)`. */
export async function withFormErrors<T>(
  t: Translator,
  action: () => Promise<T>,
  showForm: (error: FormError) => T | Promise<T>,
  sentences?: FormSentences,
): Promise<T> {
  try {
    return await action();
  } catch (err) {
    const error = formError(t, err, sentences);
    if (!error) throw err;
    return showForm(error);
  }
}

/** The error shown inside a form, read out as it appears; `id` ties it to the fields. */
export function formErrorNote(error: FormError | undefined, id: string): SafeHtml | '' {
  return error ? html`<p class="flash flash-error" id="${id}" role="alert">${error.text}</p>` : '';
}

/** Marks a field the error is about: invalid, described by the error, focused. */
export function invalidField(error: FormError | undefined, errorId: string, applies = true): SafeHtml | '' {
  return error && applies ? html` aria-invalid="true" aria-describedby="${errorId}" autofocus` : '';
}
