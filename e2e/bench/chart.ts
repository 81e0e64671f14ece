/** A horizontal bar chart as a standalone SVG: one bar per row, the value written at its end. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Bars of the product under test stand out. */
  readonly highlight?: boolean;
}

const escape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const layout = { label: 260, plot: 420, value: 90, row: 28, top: 40, axis: 22 };

/**
 * Values spanning more than a factor of 20 (Node gateways next to a Python one) are drawn on a log scale, with
 * a grid line per power of ten, so the small bars stay readable; the title says so.
 */
function scaleFor(values: readonly number[]): {
  x: (value: number) => number;
  ticks: number[];
  log: boolean;
} {
  const max = Math.max(...values, 1);
  const min = Math.min(...values.filter((value) => value > 0), max);
  if (max / min <= 20) return { x: (value) => (value / max) * layout.plot, ticks: [], log: false };
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  const span = Math.max(1, high - low);
  const ticks = Array.from({ length: span + 1 }, (_, index) => 10 ** (low + index));
  return {
    x: (value) => ((Math.log10(Math.max(value, 10 ** low)) - low) / span) * layout.plot,
    ticks,
    log: true,
  };
}

export function barChart(options: { title: string; unit: string; bars: readonly Bar[] }): string {
  const bars = options.bars.filter((bar) => Number.isFinite(bar.value) && bar.value > 0);
  const scale = scaleFor(bars.map((bar) => bar.value));
  const width = layout.label + layout.plot + layout.value;
  const plotBottom = layout.top + layout.row * bars.length;
  const height = plotBottom + (scale.log ? layout.axis : 0) + 12;
  const grid = scale.ticks.map((tick) => {
    const x = (layout.label + scale.x(tick)).toFixed(1);
    return [
      `  <line x1="${x}" y1="${layout.top}" x2="${x}" y2="${plotBottom}" stroke="#e3e7eb"/>`,
      `  <text x="${x}" y="${plotBottom + 16}" text-anchor="middle" fill="#6b7785" font-size="11">${tick.toLocaleString('en')}</text>`,
    ].join('\n');
  });
  const rows = bars.map((bar, index) => {
    const y = layout.top + index * layout.row;
    const barWidth = Math.max(1, scale.x(bar.value));
    const fill = bar.highlight === true ? '#2f6fdf' : '#9aa5b1';
    const value = bar.value >= 100 ? bar.value.toFixed(0) : bar.value.toFixed(1);
    return [
      `  <text x="${layout.label - 8}" y="${y + 18}" text-anchor="end">${escape(bar.label)}</text>`,
      `  <rect x="${layout.label}" y="${y + 5}" width="${barWidth.toFixed(1)}" height="${layout.row - 10}" fill="${fill}"/>`,
      `  <text x="${(layout.label + barWidth + 6).toFixed(1)}" y="${y + 18}">${value} ${escape(options.unit)}</text>`,
    ].join('\n');
  });
  const title = scale.log ? `${options.title}, log scale` : options.title;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${escape(title)}</text>
${[...grid, ...rows].join('\n')}
</svg>
`;
}
