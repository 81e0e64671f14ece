/**
 * pino's `timestamp` for ISO times (`,"time":"2026-12-02T00:24:07.123Z"`), with the part up to the second
 * formatted once a second: `toISOString` on every line was ~0.7 µs, a fifth of the access line.
 */
export function isoTimeEachSecond(now: () => number = Date.now): () => string {
  let second = Number.NaN;
  let prefix = '';
  return () => {
    const ms = now();
    const thisSecond = Math.floor(ms / 1000);
    if (thisSecond !== second) {
      second = thisSecond;
      // "2026-12-02T00:24:07." : everything before the milliseconds.
      prefix = `,"time":"${new Date(thisSecond * 1000).toISOString().slice(0, -4)}`;
    }
    const milliseconds = ms - thisSecond * 1000;
    return `${prefix}${milliseconds < 10 ? '00' : milliseconds < 100 ? '0' : ''}${milliseconds}Z"`;
  };
}
