// One area's strings in every language. The Arabic table must have exactly the English keys,
// so a string added in one language and forgotten in the other fails the type check.
export type Lang = 'en' | 'ar';
export const languages: readonly Lang[] = ['en', 'ar'];

export function defineMessages<const E extends Record<string, string>>(
  en: E,
  ar: { [K in keyof E]: string },
): { en: E; ar: { [K in keyof E]: string } } {
  return { en, ar };
}
