import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for an embedding provider: a small OpenAI-compatible `POST /v1/embeddings` server
 * whose vectors are hashed bags of words (each word adds 1 to a dimension picked by hashing the
 * model name and the word), so texts sharing words get near vectors, the same text always gets
 * the same vector, and another model name gets unrelated vectors. Not a model: a test double
 * with the provider's wire format, nothing more.
 */
export class EmbeddingStandIn {
  /** Requests answered (any status), and the texts of each. */
  readonly requests: Array<{
    model: string;
    input: string[];
    dimensions?: number;
    authorization?: string;
  }> = [];
  /** When set, every request is answered with this status (e.g. 503: the provider is down). */
  failWith?: number;
  /** This many next requests are answered 503, then the stand-in answers again. */
  failNext = 0;
  /** Wait this long before answering (a slow provider). */
  delayMs = 0;
  private server?: Server;
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(private readonly dimensions: number) {}

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
          res.writeHead(404).end();
          return;
        }
        const parsed = JSON.parse(body) as {
          model: string;
          input: string | string[];
          dimensions?: number;
        };
        const input = Array.isArray(parsed.input) ? parsed.input : [parsed.input];
        this.requests.push({
          model: parsed.model,
          input,
          dimensions: parsed.dimensions,
          authorization: req.headers.authorization,
        });
        const failure = this.failWith ?? (this.failNext > 0 ? 503 : undefined);
        if (this.failNext > 0) this.failNext--;
        if (failure) {
          res.writeHead(failure, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'stand-in is down' } }));
          return;
        }
        const data = input.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: this.embed(parsed.model, text),
        }));
        const timer = setTimeout(() => {
          this.pending.delete(timer);
          if (res.destroyed) return;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ object: 'list', model: parsed.model, data }));
        }, this.delayMs);
        this.pending.add(timer);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const timer of this.pending) clearTimeout(timer);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The stand-in's vector of a text: a hashed bag of lower-cased words. */
  embed(model: string, text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0);
    for (const word of text.toLowerCase().split(/[^a-z0-9]+/)) {
      if (!word) continue;
      const digest = createHash('sha256').update(`${model}\u0000${word}`).digest();
      vector[digest.readUInt32LE(0) % this.dimensions] += 1;
    }
    return vector;
  }
}
