/** LiteLLM's duration strings (`30s`, `30m`, `30h`, `30d`, `1mo`), for key expiry, budgets and retention. */
const durationPattern = /^(\d+)(s|m|h|d|mo)$/;

export interface Duration {
  readonly amount: number;
  readonly unit: 's' | 'm' | 'h' | 'd' | 'mo';
}

export function parseDuration(text: string): Duration | undefined {
  const match = durationPattern.exec(text.trim());
  if (match === null) return undefined;
  const amount = Number(match[1]);
  if (!Number.isSafeInteger(amount) || amount <= 0) return undefined;
  return { amount, unit: match[2] as Duration['unit'] };
}

const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `at` moved forward by the duration; months are calendar months (Jan 31 + 1mo is Mar 3, as in JavaScript). */
export function addDuration(at: Date, duration: Duration): Date {
  if (duration.unit === 'mo') {
    const next = new Date(at);
    next.setUTCMonth(next.getUTCMonth() + duration.amount);
    return next;
  }
  return new Date(at.getTime() + duration.amount * unitMs[duration.unit]);
}

/** The duration as a PostgreSQL interval literal, for the budget-reset arithmetic done in SQL. */
export function toInterval(duration: Duration): string {
  const names = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', mo: 'months' } as const;
  return `${duration.amount} ${names[duration.unit]}`;
}
