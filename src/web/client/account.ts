// Keeps the quota on the account page live: API requests made elsewhere show up within seconds.
import { interpolate, pageData } from './common.ts';

interface AccountData {
  quotaUrl: string;
  lang: string;
  strings: Record<string, string>;
}

interface Quota {
  used: number;
  limit: number;
}

const pollMs = 3000;
const data = pageData<AccountData>();
const meter = document.getElementById('quota-meter') as HTMLMeterElement | null;
const usedText = document.getElementById('quota-used');

if (data && meter && usedText) {
  const numbers = new Intl.NumberFormat(data.lang);
  const show = (quota: Quota) => {
    meter.max = quota.limit;
    meter.value = quota.used;
    usedText.dataset.used = String(quota.used);
    usedText.textContent = interpolate(data.strings['account.quotaUsed'] ?? '', {
      used: numbers.format(quota.used),
      limit: numbers.format(quota.limit),
    });
  };
  const poll = async () => {
    if (document.hidden) return;
    const response = await fetch(data.quotaUrl, { headers: { accept: 'application/json' } });
    if (response.ok) show((await response.json()) as Quota);
  };
  setInterval(() => void poll().catch(() => {}), pollMs);
  document.addEventListener('visibilitychange', () => void poll().catch(() => {}));
}
