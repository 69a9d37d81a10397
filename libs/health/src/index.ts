export { HealthModule } from './health.module';
export { HealthRegistry, type HealthContributor } from './health-registry';
export { ShutdownState } from './shutdown-state';
