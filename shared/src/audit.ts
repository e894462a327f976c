// The audit log (README, "Observability"): one JSON line per call when it ends, and one per denied request (401, 403,
// 429), with who (principal), what (method, tool), how it ended, how long it took and the trace id. A pino logger of
// its own — always at info whatever LOG_LEVEL says — writing to stdout (beside the process log, told apart by
// `"audit":true`) or to a file. Never a token or a header; the call's arguments only with AUDIT_ARGUMENTS=true.
import { pino, type Logger } from 'pino';
import type { CallOutcome } from './metrics.ts';

export interface CallAuditEntry {
  principal: string;
  method: string;
  /** the tool, resource URI, prompt or completion target */
  tool: string;
  outcome: CallOutcome;
  durationMs: number;
  traceId?: string;
  session: string;
  requestId: string | number;
  jobId: string;
  attempt: number;
}

export interface DeniedAuditEntry {
  /** who asked, when known (authentication may be what failed) */
  principal?: string;
  status: number;
  error: string;
  /** the HTTP method and path */
  request: string;
  traceId?: string;
}

export interface AuditSettings {
  AUDIT_LOG: string;
  AUDIT_ARGUMENTS: boolean;
}

export class AuditLog {
  private constructor(
    private readonly out: Logger | undefined,
    private readonly withArguments: boolean,
  ) {}

  static create(settings: AuditSettings, role: string, node: string): AuditLog {
    const where = settings.AUDIT_LOG;
    if (where === 'off') return new AuditLog(undefined, false);
    const destination =
      where === 'stdout' ? pino.destination({ dest: 1 }) : pino.destination({ dest: where, mkdir: true, sync: false });
    const out = pino({ level: 'info', base: { role, node, audit: true } }, destination);
    return new AuditLog(out, settings.AUDIT_ARGUMENTS);
  }

  get enabled(): boolean {
    return this.out !== undefined;
  }

  /** A call ended; `args` are written only when AUDIT_ARGUMENTS is on. */
  call(entry: CallAuditEntry, args?: unknown): void {
    if (!this.out) return;
    const line = this.withArguments
      ? { event: 'call', ...entry, arguments: args ?? null }
      : { event: 'call', ...entry };
    this.out.info(line, 'audit');
  }

  denied(entry: DeniedAuditEntry): void {
    this.out?.info({ event: 'denied', ...entry, principal: entry.principal ?? 'unknown' }, 'audit');
  }

  /** Writes what a file destination still buffers. */
  flush(): void {
    this.out?.flush();
  }
}
