// integration-tests/modern-mrtr.test.ts against a real 3-master Redis Cluster (FLEET_REDIS=cluster: sharded pub/sub, 3 queues).
process.env.FLEET_REDIS = 'cluster';
await import('./modern-mrtr.test.ts');
