// Time left as h:mm:ss (or m:ss), with the language's digits. Shared by pages and scripts.
export function formatTimeLeft(ms: number, lang: string): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const two = new Intl.NumberFormat(lang, { minimumIntegerDigits: 2, useGrouping: false });
  const one = new Intl.NumberFormat(lang, { useGrouping: false });
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours >= 48) return `${one.format(Math.floor(hours / 24))}d ${one.format(hours % 24)}h`;
  return hours > 0
    ? `${one.format(hours)}:${two.format(minutes)}:${two.format(seconds)}`
    : `${one.format(minutes)}:${two.format(seconds)}`;
}
