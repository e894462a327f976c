// Structured logs (pino) with the process role and node id as fields; never log tokens or secrets.
import { pino, type Logger } from 'pino';

export function createLogger(role: string, level: string, nodeId: string): Logger {
  return pino({ level, base: { role, node: nodeId }, redact: ['req.headers.authorization', 'headers.authorization'] });
}
export type { Logger };
