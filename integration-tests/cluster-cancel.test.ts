// integration-tests/cancel-reaches-worker.test.ts against a real 3-master Redis Cluster (FLEET_REDIS=cluster: sharded pub/sub, 3 queues).
process.env.FLEET_REDIS = 'cluster';
await import('./cancel-reaches-worker.test.ts');
