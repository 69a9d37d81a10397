import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IS_PUBLIC_KEY, type RequestStore, RouteMetadata, codeForStatus } from '@app/common';
import { AppConfig } from '@app/config';
import { AUDIT_ACTION_KEY, type AuditActionMetadata } from './audit-action.decorator';
import type { AuditEvent } from './audit-event';
import type { AuditActionName } from './audit-actions';
import { AuditRefusals } from './audit-refusals';
import { AuditService, requestHasEntry } from './audit.service';

interface ControllerMark {
  meta?: AuditActionMetadata;
  resourceId?: string;
}

/** Requests that got past routing into Nest's pipeline, with their route's audit metadata. */
const marks = new WeakMap<RequestStore, ControllerMark>();

const REFUSALS: Record<number, AuditActionName> = {
  401: 'auth.unauthenticated',
  403: 'authz.denied',
  429: 'ratelimit.exceeded',
};

/**
 * Marks each request that reaches a controller with its route's `@AuditAction` metadata, and
 * holds it back while the audit queue is full. A guard rather than an interceptor: it costs no
 * RxJS pipeline per request, and it sees routes whose later guards refuse.
 */
@Injectable()
export class AuditMarkGuard implements CanActivate {
  constructor(
    private readonly metadata: RouteMetadata,
    private readonly audit: AuditService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const meta = this.metadata.getAllAndOverride<AuditActionMetadata | undefined>(
      AUDIT_ACTION_KEY,
      targets,
    );
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const store = request.context;
    if (store) {
      const params = request.params as Record<string, unknown> | undefined;
      const id = meta ? params?.[meta.idParam ?? 'id'] : undefined;
      marks.set(store, { meta, resourceId: typeof id === 'string' ? id : undefined });
    }
    // Probes, metrics and sign-in are never held back.
    const isPublic = this.metadata.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets);
    const wait = isPublic === true ? undefined : this.audit.whenWritable();
    return wait ? wait.then(() => true) : true;
  }
}

/**
 * Writes, once the response is sent (final status and duration known), the entry of every
 * request that reached a controller and of every refusal (401, 403, 429; repeated 429s of one
 * caller and route aggregated by AuditRefusals), unless the service already recorded or queued
 * one for it. Runs in a Fastify `onResponse` hook: no per-request Nest machinery, and it sees
 * refusals made by guards before any interceptor would run.
 */
@Injectable()
export class AuditHttpRecorder implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly refusals: AuditRefusals,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      const store = request.context;
      if (store) this.afterResponse(store, reply.statusCode);
      done();
    });
  }

  afterResponse(store: RequestStore, status: number): void {
    if (requestHasEntry(store)) return;
    const mark = marks.get(store);
    const meta = mark?.meta;
    const refusal = REFUSALS[status];
    if (refusal) {
      // 429s come in floods: after the first of a window, one entry counts the rest.
      if (status === 429 && this.refusals.absorb(store, meta?.resourceType ?? null)) return;
      this.audit.enqueueForRequest(
        {
          action: refusal,
          resourceType: meta?.resourceType ?? null,
          resourceId: mark?.resourceId ?? null,
          severity: 'warning',
          error: codeForStatus(status),
        },
        store,
        status,
      );
      return;
    }
    if (!mark) return; // never reached a controller (unknown route, unparsable body, ...)
    if (!store.principal && !meta) return; // public probes and docs
    const isRead = store.method === 'GET' || store.method === 'HEAD';
    const event: AuditEvent = {
      action: meta?.action ?? (isRead ? 'api.read' : 'api.write'),
      resourceType: meta?.resourceType ?? null,
      resourceId: mark.resourceId ?? null,
      severity: status >= 400 ? 'warning' : 'info',
      error: status >= 400 ? codeForStatus(status) : null,
    };
    if (isRead && !this.config.audit.reads) {
      const ms = Number(process.hrtime.bigint() - store.startedAt) / 1e6;
      this.audit.countOnly(event.action, event.severity ?? 'info', ms);
      return;
    }
    this.audit.enqueueForRequest(event, store, status);
  }
}
