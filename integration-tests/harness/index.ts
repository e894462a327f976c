export * from './fleet.ts';
export * from './lb.ts';
export * from './http.ts';
export * from './client.ts';
export * from './process.ts';
export * from './redis-clients.ts';
