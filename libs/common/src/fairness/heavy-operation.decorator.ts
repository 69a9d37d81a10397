import { SetMetadata } from '@nestjs/common';
import type { OperationClass } from '@app/config';

export const HEAVY_OPERATION_KEY = 'fairness:operation';

/**
 * The route's work always runs in a slot of this class (its service calls `TenantConcurrency`
 * with it), so a tenant whose cap is full with no room to wait is refused before validation.
 * Leave it off a route that takes a slot only sometimes: it would be refused when it need not be.
 */
export const HeavyOperation = (operation: OperationClass): MethodDecorator =>
  SetMetadata(HEAVY_OPERATION_KEY, operation);
