import { Writable } from 'node:stream';
import { NotFoundException } from '@nestjs/common';
import { toProblem } from '../errors/problem-renderer';
import { createLogger } from './logger';
import { currentTraceId, useTraceIds } from './trace-id';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, logger: createLogger('info', sink) };
}

describe('trace ids in logs and problems', () => {
  afterEach(() => useTraceIds(() => undefined));

  it('adds nothing while tracing is off', () => {
    const { lines, logger } = capture();
    logger.info('hello');
    expect(currentTraceId()).toBeUndefined();
    expect(lines[0]).not.toHaveProperty('traceId');
    const { body } = toProblem(new NotFoundException(), '/x', logger);
    expect(body).not.toHaveProperty('traceId');
  });

  it('writes the active trace id into every log line and problem body once installed', () => {
    const { lines, logger } = capture();
    useTraceIds(() => TRACE_ID);
    logger.info('hello');
    logger.child({ context: 'Test' }).warn('again');
    expect(lines.map((l) => l.traceId)).toEqual([TRACE_ID, TRACE_ID]);
    const { body } = toProblem(new NotFoundException(), '/x', logger);
    expect(body).toMatchObject({ status: 404, traceId: TRACE_ID });
  });
});
