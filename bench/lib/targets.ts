import type { ScenarioReport, SoakSample, TargetReport } from './report';

const percent = (v: number): string => `${(v * 100).toFixed(1)} %`;

function target(
  name: string,
  value: number | undefined,
  wanted: string,
  ok: (v: number) => boolean,
  show: (v: number) => string = percent,
): TargetReport {
  return {
    name,
    measured: value === undefined ? 'not measured' : show(value),
    target: wanted,
    met: value === undefined ? null : ok(value),
  };
}

/** The table's targets, from the scenarios that ran (a scenario left out is "not measured"). */
export function tableTargets(rows: ScenarioReport[]): TargetReport[] {
  const get = (name: string): ScenarioReport | undefined => rows.find((r) => r.name === name);
  const ratio = (a?: ScenarioReport, b?: ScenarioReport): number | undefined =>
    a && b && b.requestsPerSecond > 0 ? a.requestsPerSecond / b.requestsPerSecond : undefined;
  const cost = (a?: ScenarioReport, b?: ScenarioReport): number | undefined => {
    const r = ratio(a, b);
    return r === undefined ? undefined : 1 - r;
  };
  const pg = get('anchor-pg-read');
  const jwt = get('read-jwt');
  const targets = [
    target('JWT read / pg read', ratio(jwt, pg), '≥ 60 %', (v) => v >= 0.6),
    target(
      'JWT read p99',
      jwt?.latencyMs.p99,
      '< 50 ms',
      (v) => v < 50,
      (v) => `${v} ms`,
    ),
    target('API-key read / JWT read', ratio(get('read-api-key'), jwt), '≥ 95 %', (v) => v >= 0.95),
    target('audited create / pg read', ratio(get('create'), pg), '≥ 20 %', (v) => v >= 0.2),
    target(
      'read audit + metrics cost',
      cost(jwt, get('read-jwt-no-audit-reads-no-metrics')),
      '≤ 15 %',
      (v) => v <= 0.15,
    ),
  ];
  const apiRss = rows.find((r) => r.server === 'api')?.serverRss;
  targets.push(
    target(
      'API RSS after its scenarios',
      apiRss?.afterLoadMiB,
      '≤ 250 MiB',
      (v) => v <= 250,
      (v) => `${v.toFixed(1)} MiB (${apiRss!.afterGcMiB.toFixed(1)} after a full GC)`,
    ),
  );
  const audit = cost(jwt, get('read-jwt-no-audit-reads'));
  if (audit !== undefined)
    targets.push(target('  of which read audit', audit, '(info)', () => true));
  const metrics = cost(jwt, get('read-jwt-no-metrics'));
  if (metrics !== undefined)
    targets.push(target('  of which metrics', metrics, '(info)', () => true));
  return targets;
}

/** Least-squares slope of one series against time, per minute. */
export function slopePerMinute(samples: SoakSample[], value: (s: SoakSample) => number): number {
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.seconds, 0) / n;
  const my = samples.reduce((a, s) => a + value(s), 0) / n;
  const num = samples.reduce((a, s) => a + (s.seconds - mx) * (value(s) - my), 0);
  const den = samples.reduce((a, s) => a + (s.seconds - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

/**
 * RSS after the load (idle pause, before the forced collection), and the trend of the post-GC
 * heap over the load after its first minute: RSS follows V8's lazy old-space collections in a
 * sawtooth, the floor after a full collection shows what is really kept.
 */
export function soakTargets(samples: SoakSample[]): TargetReport[] {
  const after = samples.find((s) => s.phase === 'after load') ?? samples[samples.length - 1];
  const floors = samples.filter((s) => s.floorMiB !== undefined && s.seconds >= 60 && !s.phase);
  const growth = floors.length >= 3 ? slopePerMinute(floors, (s) => s.floorMiB!) : undefined;
  const range = floors.map((s) => s.floorMiB!);
  return [
    target(
      'RSS after the load',
      after.rssMiB,
      '≤ 250 MiB',
      (v) => v <= 250,
      (v) =>
        `${v.toFixed(1)} MiB${after.floorRssMiB === undefined ? '' : ` (${after.floorRssMiB.toFixed(1)} after a full GC)`}`,
    ),
    {
      ...target(
        'post-GC heap trend (from 60 s)',
        growth,
        '< 1 MiB/min (flat)',
        (v) => v < 1,
        (v) =>
          `${v.toFixed(2)} MiB/min (${Math.min(...range).toFixed(1)}–${Math.max(...range).toFixed(1)} MiB)`,
      ),
      ...(growth === undefined ? { measured: 'too short (3 floors from 60 s needed)' } : {}),
    },
  ];
}
