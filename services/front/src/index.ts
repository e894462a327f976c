export { buildApp, startFront, type RunningFront } from './app.ts';
