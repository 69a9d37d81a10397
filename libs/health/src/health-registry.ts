import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

export type HealthContributor = () => Promise<HealthIndicatorResult>;

/** Other modules (audit queue, ...) add their own checks to `GET /health` here at start-up. */
@Injectable()
export class HealthRegistry {
  private readonly contributors = new Map<string, HealthContributor>();

  register(name: string, contributor: HealthContributor): void {
    this.contributors.set(name, contributor);
  }

  all(): HealthContributor[] {
    return [...this.contributors.values()];
  }
}
