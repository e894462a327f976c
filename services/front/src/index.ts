export { buildApp, createFrontDeps, startFront, type RunningFront } from './app.ts';
