/** Charts of a run, as plain SVG files: cold start, warm latency and memory over the run. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Key, KEYS, type Results } from './results';

/** Segments of a bar; lines of the contenders (ours, (a), (b), the floor). */
const COLOURS = ['#1f6feb', '#8fb8f5'];
const LINE_COLOURS = ['#1f6feb', '#2da44e', '#a371f7', '#d29922', '#8b949e'];
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const WIDTH = 680;
const LEFT = 210;
const RIGHT = 150;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
/** A row of coloured keys, each as wide as its name. */
function legend(names: string[], colours: string[]): string[] {
  let x = 10;
  return names.flatMap((name, i) => {
    const key = [`<rect x="${x}" y="32" width="10" height="10" fill="${colours[i] ?? '#000'}"/>`, text(x + 14, 41, name)];
    x += 34 + name.length * 6.5;
    return key;
  });
}

const svg = (height: number, body: string[]): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>\n` +
  `<rect width="100%" height="100%" fill="#fff"/>\n${body.join('\n')}\n</svg>\n`;
const text = (x: number, y: number, content: string, attributes = ''): string =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attributes === '' ? '' : ` ${attributes}`}>${escape(content)}</text>`;

interface Bar {
  label: string;
  /** Stacked left to right. */
  segments: number[];
  note: string;
}

/** Horizontal bars, one row per contender, with a legend naming the segments. */
function barChart(title: string, segments: string[], bars: Bar[]): string {
  const max = Math.max(...bars.map((bar) => bar.segments.reduce((a, b) => a + b, 0)));
  const scale = (WIDTH - LEFT - RIGHT) / (max || 1);
  const body = [text(10, 20, title, 'font-weight="bold"'), ...legend(segments, COLOURS)];
  bars.forEach((bar, row) => {
    const y = 56 + row * 28;
    let x = LEFT;
    body.push(text(LEFT - 8, y + 14, bar.label, 'text-anchor="end"'));
    bar.segments.forEach((value, i) => {
      const width = Math.max(0, value * scale);
      body.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="18" fill="${COLOURS[i] ?? '#000'}"/>`);
      x += width;
    });
    body.push(text(x + 6, y + 14, bar.note));
  });
  return svg(64 + bars.length * 28, body);
}

/** Heap after GC over the run, one line per contender. */
function memoryChart(r: Results): string {
  const height = 260;
  const top = 64;
  const bottom = height - 30;
  const series = KEYS.map((key) => r.warm[key].memory);
  const xs = series.flatMap((s) => s.invocations);
  const ys = series.flatMap((s) => s.heapMiB);
  const [xMax, yMin, yMax] = [Math.max(...xs), Math.floor(Math.min(...ys) - 1), Math.ceil(Math.max(...ys) + 1)];
  const right = WIDTH - 30;
  const x = (value: number) => LEFT + (value / (xMax || 1)) * (right - LEFT);
  const y = (value: number) => bottom - ((value - yMin) / (yMax - yMin || 1)) * (bottom - top);
  const body = [
    text(10, 20, 'Heap after garbage collection, MiB, over the warm run', 'font-weight="bold"'),
    ...legend(
      KEYS.map((key) => r.contenders[key].label),
      LINE_COLOURS,
    ),
  ];
  for (const tick of [yMin, (yMin + yMax) / 2, yMax]) body.push(text(LEFT - 8, y(tick) + 4, tick.toFixed(1), 'text-anchor="end"'));
  body.push(`<line x1="${LEFT}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#888"/>`);
  body.push(text(LEFT, bottom + 18, '0'), text(right, bottom + 18, `${xMax.toLocaleString('en-US')} invocations`, 'text-anchor="end"'));
  KEYS.forEach((key, i) => {
    const m = r.warm[key].memory;
    const points = m.invocations.map((n, j) => `${x(n).toFixed(1)},${y(m.heapMiB[j] ?? NaN).toFixed(1)}`).join(' ');
    body.push(`<polyline points="${points}" fill="none" stroke="${LINE_COLOURS[i] ?? '#000'}" stroke-width="2"/>`);
  });
  return svg(height, body);
}

/** Writes bench-cold.svg, bench-warm.svg and bench-memory.svg into `dir`. */
export function writePlots(r: Results, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const label = (key: Key) => r.contenders[key].label;
  const cold = barChart(
    'Cold start, ms (median of fresh processes)',
    ['module load', 'first invocation'],
    KEYS.map((key) => ({
      label: label(key),
      segments: [r.cold[key].loadMs.median, r.cold[key].firstMs.median],
      note: `${r.cold[key].totalMs.median.toFixed(1)} ms`,
    })),
  );
  const warm = barChart(
    'Warm invocation, µs (mix of pool events, echoes, 401s, 422s)',
    ['p50 (p99 in the note)'],
    KEYS.map((key) => ({
      label: label(key),
      segments: [r.warm[key].all.p50],
      note: `${Math.round(r.warm[key].all.p50)} µs (p99 ${Math.round(r.warm[key].all.p99)})`,
    })),
  );
  writeFileSync(path.join(dir, 'bench-cold.svg'), cold);
  writeFileSync(path.join(dir, 'bench-warm.svg'), warm);
  writeFileSync(path.join(dir, 'bench-memory.svg'), memoryChart(r));
}
