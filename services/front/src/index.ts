export { buildApp, createFrontDeps, startFront, type FrontExtras, type RunningFront } from './app.ts';
export { metricsAccess, type MetricsDecision, type MetricsHandler } from './http/metrics-route.ts';
