import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { LOGGER, type Logger } from '@app/common';
import { AppConfig } from '@app/config';

type Handler = (payload: string) => void;

/**
 * PostgreSQL LISTEN/NOTIFY on one dedicated connection: how one replica tells every other one
 * (and itself) that a cached session, user or API key changed. Sent inside the changing
 * transaction, a notification is delivered on commit only. While the listener is down, `isLive`
 * is false and caches must not be trusted; on reconnect every `onReset` handler runs, since
 * notifications may have been missed.
 */
@Injectable()
export class PgNotifications implements OnModuleInit, OnModuleDestroy {
  private client?: Client;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly resetHandlers = new Set<() => void>();
  private live = false;
  private closing = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get isLive(): boolean {
    return this.live;
  }

  async onModuleInit(): Promise<void> {
    await this.connect().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'notification listener could not connect; retrying');
      this.scheduleReconnect();
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    this.live = false;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  /** Calls `handler` with each payload sent on `channel`, by any process. */
  subscribe(channel: string, handler: Handler): void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client && this.live) {
        // A failure here means the connection dropped: the reconnect LISTENs to every channel.
        this.client.query(`LISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      }
    }
    set.add(handler);
  }

  /** Runs after a reconnect (messages may have been lost): drop whatever is cached. */
  onReset(handler: () => void): void {
    this.resetHandlers.add(handler);
  }

  /** Sends a notification; inside a transaction it is delivered when (and if) it commits. */
  async notify(
    runner: EntityManager | DataSource,
    channel: string,
    payload: string,
  ): Promise<void> {
    await runner.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  private async connect(): Promise<void> {
    if (!this.config.databaseUrl) return;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: 'content-blocks-listener',
      keepAlive: true,
    });
    client.on('notification', (message) => {
      const set = this.handlers.get(message.channel);
      if (!set) return;
      for (const handler of set) {
        try {
          handler(message.payload ?? '');
        } catch (error) {
          this.logger.error({ err: error }, 'notification handler failed');
        }
      }
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'notification listener lost its connection');
      this.dropClient(client);
    });
    client.on('end', () => this.dropClient(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    this.client = client;
    this.live = true;
    for (const reset of this.resetHandlers) reset();
  }

  private dropClient(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.live = false;
    for (const reset of this.resetHandlers) reset();
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.connect().catch(() => this.scheduleReconnect());
    }, 1000);
    this.retry.unref();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
