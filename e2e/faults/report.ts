/**
 * One line per scenario with what it measured, so a run's log says how each fault went (requests, failures,
 * spend rows expected and written, ...) and not only pass or fail.
 */
export function report(scenario: string, measured: Readonly<Record<string, number | string>>): void {
  const fields = Object.entries(measured)
    .map(([name, value]) => `${name}=${typeof value === 'number' ? round(value) : value}`)
    .join(' ');
  console.log(`[faults] ${scenario}: ${fields}`);
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
