/** Charts of a run, as plain SVG files: cold start, warm latency and memory over the run. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Key, Results } from './run';

const KEYS: readonly Key[] = ['ours', 'middy', 'zod', 'floor'];
const COLOURS = ['#1f6feb', '#8fb8f5', '#d29922', '#8b949e'];
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const WIDTH = 640;
const LEFT = 170;
const RIGHT = 70;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const svg = (height: number, body: string[]): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>\n` +
  `<rect width="100%" height="100%" fill="#fff"/>\n${body.join('\n')}\n</svg>\n`;
const text = (x: number, y: number, content: string, attributes = ''): string => `<text x="${x}" y="${y}" ${attributes}>${escape(content)}</text>`;

interface Bar {
  label: string;
  /** Stacked left to right. */
  segments: number[];
  note: string;
}

/** Horizontal bars, one row per contender, with a legend naming the segments. */
function barChart(title: string, legend: string[], bars: Bar[]): string {
  const max = Math.max(...bars.map((bar) => bar.segments.reduce((a, b) => a + b, 0)));
  const scale = (WIDTH - LEFT - RIGHT) / (max || 1);
  const body = [text(10, 20, title, 'font-weight="bold"')];
  legend.forEach((name, i) => {
    body.push(`<rect x="${10 + i * 170}" y="32" width="10" height="10" fill="${COLOURS[i] ?? '#000'}"/>`, text(24 + i * 170, 41, name));
  });
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
  const top = 50;
  const bottom = height - 30;
  const series = KEYS.map((key) => r.warm[key].memory);
  const xs = series.flatMap((s) => s.invocations);
  const ys = series.flatMap((s) => s.heapMiB);
  const [xMax, yMin, yMax] = [Math.max(...xs), Math.floor(Math.min(...ys) - 1), Math.ceil(Math.max(...ys) + 1)];
  const x = (value: number) => LEFT + (value / (xMax || 1)) * (WIDTH - LEFT - RIGHT);
  const y = (value: number) => bottom - ((value - yMin) / (yMax - yMin || 1)) * (bottom - top);
  const body = [text(10, 20, 'Heap after garbage collection, MiB, over the warm run', 'font-weight="bold"')];
  for (const tick of [yMin, (yMin + yMax) / 2, yMax]) body.push(text(LEFT - 8, y(tick) + 4, tick.toFixed(1), 'text-anchor="end"'));
  body.push(`<line x1="${LEFT}" y1="${bottom}" x2="${WIDTH - RIGHT}" y2="${bottom}" stroke="#888"/>`);
  body.push(text(LEFT, bottom + 18, '0'), text(WIDTH - RIGHT, bottom + 18, `${xMax.toLocaleString('en-US')} invocations`, 'text-anchor="end"'));
  KEYS.forEach((key, i) => {
    const m = r.warm[key].memory;
    const points = m.invocations.map((n, j) => `${x(n).toFixed(1)},${y(m.heapMiB[j] ?? NaN).toFixed(1)}`).join(' ');
    body.push(`<polyline points="${points}" fill="none" stroke="${COLOURS[i] ?? '#000'}" stroke-width="2"/>`);
    body.push(`<rect x="${10 + i * 150}" y="32" width="10" height="10" fill="${COLOURS[i] ?? '#000'}"/>`, text(24 + i * 150, 41, r.contenders[key].label));
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
    ['p50', 'p99 (added)'],
    KEYS.map((key) => ({
      label: label(key),
      segments: [r.warm[key].all.p50, r.warm[key].all.p99 - r.warm[key].all.p50],
      note: `${Math.round(r.warm[key].all.p50)} · ${Math.round(r.warm[key].all.p99)}`,
    })),
  );
  writeFileSync(path.join(dir, 'bench-cold.svg'), cold);
  writeFileSync(path.join(dir, 'bench-warm.svg'), warm);
  writeFileSync(path.join(dir, 'bench-memory.svg'), memoryChart(r));
}
