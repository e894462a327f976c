// Which failures of a handler are protocol errors (answered as a JSON-RPC error), and which stay the handler's.
import { FleetError, eraOf, type CallJob } from '@mcp-fleet/shared';
import { MissingCapabilityError } from '../questions.ts';
import { ToolProtocolError } from '../tool-errors.ts';

/** The catalogued error a failure answers with, or undefined when the caller decides (e.g. a tool error result). */
export function protocolErrorOf(err: unknown, job: CallJob): FleetError | undefined {
  if (err instanceof FleetError) return err;
  if (err instanceof ToolProtocolError) {
    return new FleetError('HANDLER_FAILED', {
      args: [`${job.method} ${job.target}`, err.message],
      era: eraOf(job.protocolVersion),
    });
  }
  // 2026-07-28 has an error for this (MissingRequiredClientCapabilityError); earlier versions get a tool error.
  if (err instanceof MissingCapabilityError && eraOf(job.protocolVersion) === 'modern') {
    return new FleetError('MISSING_CLIENT_CAPABILITY', {
      era: 'modern',
      args: [`${job.method} ${job.target}`, err.what],
      data: { requiredCapabilities: err.capability },
    });
  }
  return undefined;
}
