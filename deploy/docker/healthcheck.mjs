// The image's HEALTHCHECK, one for every role: the role is the argument (`node dist/healthcheck.mjs worker`), else
// read from PID 1's command line (the container's own `front` / `worker` / `dev`).
// front: GET /healthz on PORT. worker: its metrics listener answers when METRICS_ENABLED (any status below 500:
// a 401 without the token still proves the process serves), otherwise a running worker counts as healthy.
import { readFileSync } from 'node:fs';

const role =
  process.argv[2] ?? (readFileSync('/proc/1/cmdline', 'utf8').split('\0').includes('worker') ? 'worker' : 'front');
const env = process.env;
const target =
  role === 'front'
    ? `http://127.0.0.1:${env.PORT || 3000}/healthz`
    : /^(true|1|yes|on)$/i.test(env.METRICS_ENABLED ?? '')
      ? `http://127.0.0.1:${env.METRICS_PORT || 9464}${env.METRICS_PATH || '/metrics'}`
      : undefined;
if (!target) process.exit(0);
try {
  const res = await fetch(target, { signal: AbortSignal.timeout(2500) });
  process.exit(res.status < 500 ? 0 : 1);
} catch {
  process.exit(1);
}
