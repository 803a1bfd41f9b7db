// A size in bytes for people, in their language: "1 byte", "23 bytes", "1.2 kB", "4.5 MB".
// Intl writes the unit and its plural (Arabic included); bytes are spelled out ("23 byte"
// is what the short form gives), larger units use their symbols. Shared by pages and scripts.
const units = [
  { unit: 'gigabyte', size: 1e9 },
  { unit: 'megabyte', size: 1e6 },
  { unit: 'kilobyte', size: 1e3 },
] as const;

export function formatSize(bytes: number, lang: string): string {
  const larger = units.find((u) => bytes >= u.size);
  if (!larger)
    return new Intl.NumberFormat(lang, { style: 'unit', unit: 'byte', unitDisplay: 'long' }).format(bytes);
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: larger.unit,
    unitDisplay: 'short',
    maximumFractionDigits: 1,
  }).format(bytes / larger.size);
}
