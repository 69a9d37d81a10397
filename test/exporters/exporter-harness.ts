import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@app/config';
import { DocumentExporter } from '@app/exporters';
import { WorkerPool } from '@app/workers';
// The renderer is not part of the library's surface; the tests build the exporter by hand.
import { PdfRenderer } from '../../libs/exporters/src/pdf-renderer';

export interface Harness {
  exporter: DocumentExporter;
  close(): Promise<void>;
}

/** A DocumentExporter on a real worker pool (compiled workers: run `npm run build` first). */
export function exporterHarness(env: Record<string, string> = {}): Harness {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: '/tmp',
    WORKERS_MAX_THREADS: '1',
    ...env,
  });
  const pool = new WorkerPool(config);
  const pdf = new PdfRenderer(config);
  return {
    exporter: new DocumentExporter(config, pool, pdf),
    close: async () => {
      await pdf.onModuleDestroy();
      await pool.onModuleDestroy();
    },
  };
}

export interface CountingServer {
  url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** A local HTTP server that records every request it gets: it must stay at zero. */
export async function countingServer(): Promise<CountingServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
