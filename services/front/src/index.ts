export { buildApp, createFrontDeps, startFront, type FrontExtras, type RunningFront } from './app.ts';
export { metricsAccess, type MetricsDecision, type MetricsHandler } from './http/metrics-route.ts';
// The checks a front node makes before it listens, for tools that vet a deployment's settings (deploy/test).
export { checkSecureBinding } from './auth/secure-default.ts';
export { allowedHosts } from './http/host-check.ts';
