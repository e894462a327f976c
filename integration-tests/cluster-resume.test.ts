// The resume suite against a real 3-master Redis Cluster (FLEET_REDIS=cluster: sharded pub/sub, 3 queues).
process.env.FLEET_REDIS = 'cluster';
await import('./resume-on-other-node.test.ts');
