import type { LoadResult } from './load';

export interface ScenarioReport extends LoadResult {
  name: string;
  label: string;
  server: string;
  ratioToHello: number | null;
  ratioToPgRead: number | null;
  skipped?: string;
  /** RSS of the API process after its scenarios, as they left it and after a full GC. */
  serverRss?: { afterLoadMiB: number; afterGcMiB: number };
}

export interface TargetReport {
  name: string;
  measured: string;
  target: string;
  met: boolean | null;
}

export interface SoakSample {
  seconds: number;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  requests: number;
  /** Heap in use right after a full collection (every minute, and after the load): the floor. */
  floorMiB?: number;
  /** RSS right after that collection. */
  floorRssMiB?: number;
  /** Set on the sample taken after the load, in an idle pause. */
  phase?: 'after load';
}

const pct = (ratio: number | null): string =>
  ratio === null ? '–' : `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)} %`;

function pad(cells: string[][], right: Set<number>): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells
    .map((row, r) =>
      row
        .map((cell, i) =>
          right.has(i) && r > 0 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The scenario table as aligned text (and as Markdown for notes, with `markdown`). */
export function formatTable(rows: ScenarioReport[], markdown = false): string {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    'vs hello',
    'vs pg read',
    'note',
  ];
  const body = rows.map((row) =>
    row.skipped
      ? [row.label, '–', '–', '–', '–', '–', '–', '–', `skipped: ${row.skipped}`]
      : [
          row.label,
          String(row.requestsPerSecond),
          String(row.latencyMs.p50),
          String(row.latencyMs.p99),
          String(row.errors + row.timeouts),
          String(row.non2xx),
          pct(row.ratioToHello),
          pct(row.ratioToPgRead),
          Object.keys(row.statusCodes).length > 1 || row.non2xx > 0
            ? `status ${JSON.stringify(row.statusCodes)}`
            : '',
        ],
  );
  if (markdown) {
    const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
    return [
      line(header),
      line(header.map((_, i) => (i === 0 ? '---' : '---:'))),
      ...body.map(line),
    ].join('\n');
  }
  return pad([header, ...body], new Set([1, 2, 3, 4, 5, 6, 7]));
}

export function formatTargets(targets: TargetReport[]): string {
  return pad(
    [
      ['target', 'measured', 'wanted', ''],
      ...targets.map((t) => [
        t.name,
        t.measured,
        t.target,
        t.met === null ? 'n/a' : t.met ? 'MET' : 'MISSED',
      ]),
    ],
    new Set(),
  );
}

export function formatSoak(samples: SoakSample[]): string {
  return pad(
    [
      [
        't (s)',
        'RSS MiB',
        'heap used MiB',
        'heap total MiB',
        'post-GC heap MiB',
        'post-GC RSS MiB',
        'requests',
        '',
      ],
      ...samples.map((s) => [
        String(s.seconds),
        s.rssMiB.toFixed(1),
        s.heapUsedMiB.toFixed(1),
        s.heapTotalMiB.toFixed(1),
        s.floorMiB === undefined ? '' : s.floorMiB.toFixed(1),
        s.floorRssMiB === undefined ? '' : s.floorRssMiB.toFixed(1),
        String(s.requests),
        s.phase ?? '',
      ]),
    ],
    new Set([0, 1, 2, 3, 4, 5, 6]),
  );
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** Horizontal bars of req/s per scenario, labelled with the ratio to the pg-read anchor. */
export function barChartSvg(title: string, rows: ScenarioReport[]): string {
  const measured = rows.filter((r) => !r.skipped);
  const barHeight = 22;
  const gap = 8;
  const left = 300;
  const width = 1000;
  const plot = width - left - 170;
  const top = 50;
  const height = top + measured.length * (barHeight + gap) + 40;
  const max = Math.max(1, ...measured.map((r) => r.requestsPerSecond));
  const colour = (r: ScenarioReport): string =>
    r.server.startsWith('anchor')
      ? '#7f8c8d'
      : r.errors + r.timeouts + r.non2xx > 0
        ? '#c0392b'
        : '#2e86c1';
  const bars = measured.map((r, i) => {
    const y = top + i * (barHeight + gap);
    const w = Math.max(1, (r.requestsPerSecond / max) * plot);
    const ratio = r.ratioToPgRead === null ? '' : ` · ${pct(r.ratioToPgRead)} of pg read`;
    return [
      `<text x="${left - 10}" y="${y + barHeight * 0.7}" text-anchor="end">${escapeXml(r.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${colour(r)}"/>`,
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + barHeight * 0.7}">${r.requestsPerSecond} req/s${escapeXml(ratio)}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    ...bars,
    `<text x="${left}" y="${height - 12}" fill="#555">grey: anchors · blue: API · red: had failed requests</text>`,
    `</svg>`,
    '',
  ].join('\n');
}

/** RSS and heap over the soak, as two lines. */
export function memoryChartSvg(title: string, samples: SoakSample[]): string {
  const width = 900;
  const height = 400;
  const left = 60;
  const right = 20;
  const top = 50;
  const bottom = 50;
  const maxT = Math.max(10, ...samples.map((s) => s.seconds));
  const maxY = Math.max(64, ...samples.map((s) => s.rssMiB)) * 1.1;
  const x = (t: number): number => left + (t / maxT) * (width - left - right);
  const y = (v: number): number => top + (1 - v / maxY) * (height - top - bottom);
  const line = (pick: (s: SoakSample) => number, colour: string): string =>
    `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${samples
      .map((s) => `${x(s.seconds).toFixed(1)},${y(pick(s)).toFixed(1)}`)
      .join(' ')}"/>`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = maxY * f;
    return `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text><line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="28" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...ticks,
    line((s) => s.rssMiB, '#2e86c1'),
    line((s) => s.heapUsedMiB, '#e67e22'),
    `<polyline fill="none" stroke="#27ae60" stroke-width="2" points="${samples
      .filter((s) => s.floorMiB !== undefined)
      .map((s) => `${x(s.seconds).toFixed(1)},${y(s.floorMiB!).toFixed(1)}`)
      .join(' ')}"/>`,
    `<text x="${left}" y="${height - 15}">MiB over ${maxT} s · blue: RSS · orange: heap used · green: heap after a full GC</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
