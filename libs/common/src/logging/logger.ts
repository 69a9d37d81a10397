import pino, { type Logger } from 'pino';
import { RequestContext } from '../context/request-context';
import { redact } from './redact';
import { currentTraceId } from './trace-id';

export type { Logger } from 'pino';

/**
 * JSON lines on stdout. Every line carries the request id of the request it belongs to (and its
 * trace id when tracing is on), and every field named like a secret is censored before it is
 * written.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'content-blocks' },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      mixin: () => {
        const requestId = RequestContext.requestId();
        const traceId = currentTraceId();
        if (!traceId) return requestId ? { requestId } : {};
        return requestId ? { requestId, traceId } : { traceId };
      },
    },
    destination,
  );
}
