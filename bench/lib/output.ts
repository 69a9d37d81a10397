import { writeFileSync } from 'node:fs';
import {
  type ScenarioReport,
  type TargetReport,
  barChartSvg,
  formatSoak,
  formatTable,
  formatTargets,
  memoryChartSvg,
} from './report';
import type { BenchContext } from './servers';
import type { SoakResult } from './soak';

/** Prints the table and targets, writes `<file>.json`, `.svg` and `.md`; returns failed requests. */
export function writeTable(
  file: string,
  info: Record<string, unknown>,
  ctx: BenchContext,
  rows: ScenarioReport[],
  targets: TargetReport[],
): number {
  process.stdout.write(`\n${formatTable(rows)}\n\n${formatTargets(targets)}\n`);
  writeFileSync(
    `${file}.json`,
    `${JSON.stringify({ ...info, scenarios: rows, targets }, null, 2)}\n`,
  );
  writeFileSync(
    `${file}.svg`,
    barChartSvg(
      `Content Blocks bench ${ctx.stamp}: ${ctx.args.connections} connections × ${ctx.args.durationSeconds} s`,
      rows,
    ),
  );
  writeFileSync(`${file}.md`, `${formatTable(rows, true)}\n`);
  process.stdout.write(`\nWrote ${file}.json, .svg and .md\n`);
  const failed = rows.reduce((a, r) => a + r.errors + r.timeouts + r.non2xx, 0);
  if (failed > 0)
    process.stdout.write(`${failed} requests failed (see the errors and non-2xx columns)\n`);
  return failed;
}

/** Prints the soak's samples and targets, writes `<file>.json` and `.svg`. */
export function writeSoak(
  file: string,
  info: Record<string, unknown>,
  ctx: BenchContext,
  soak: SoakResult,
): void {
  process.stdout.write(`\n${formatSoak(soak.samples)}\n\n${formatTargets(soak.targets)}\n`);
  writeFileSync(
    `${file}.json`,
    `${JSON.stringify({ ...info, soakSeconds: ctx.args.soakSeconds, samples: soak.samples, load: soak.result, targets: soak.targets }, null, 2)}\n`,
  );
  writeFileSync(
    `${file}.svg`,
    memoryChartSvg(
      `API memory under ${ctx.args.soakSeconds} s of mixed traffic (${ctx.stamp})`,
      soak.samples,
    ),
  );
  process.stdout.write(`\nWrote ${file}.json and ${file}.svg\n`);
  if (soak.failed > 0)
    process.stdout.write(
      `${soak.failed} requests failed: ${JSON.stringify(soak.result.statusCodes)}\n`,
    );
}
