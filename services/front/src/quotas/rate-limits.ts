// Request rates per principal, fleet-wide: RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS for every request, and
// RATE_LIMIT_RULES per tool. Counted in Redis by rate-limiter-flexible (one atomic INCR+PEXPIRE script per check)
// rather than @fastify/rate-limit: the tool a call names is inside the JSON-RPC body (and a batch names several),
// and the refusal must carry the request's id — both known only once the route has parsed the body. A principal
// over its limit is then refused from memory for the rest of the window (`inMemoryBlockOnConsumed`): a flood costs
// the node no Redis round trips.
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { FleetError, fleetMetrics, type FleetConfig, type FleetKeys, type JsonRpcId } from '@mcp-fleet/shared';

interface ToolRule {
  prefix: string;
  glob: boolean;
  limiter: RateLimiterRedis;
  calls: number;
  seconds: number;
}

export class RateLimits {
  private readonly perPrincipal?: RateLimiterRedis;
  private readonly rules: ToolRule[];

  constructor(
    private readonly config: FleetConfig,
    redis: Redis,
    keys: FleetKeys,
  ) {
    const make = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${keys.rateLimitPrefix()}:${name}`,
        points,
        duration,
        inMemoryBlockOnConsumed: points + 1,
      });
    if (config.RATE_LIMIT_REQUESTS > 0) {
      this.perPrincipal = make('req', config.RATE_LIMIT_REQUESTS, config.RATE_LIMIT_WINDOW_SECONDS);
    }
    this.rules = config.RATE_LIMIT_RULES.map((text, i) => {
      const m = /^tool:([^=]+)=(\d+)\/(\d+)$/.exec(text.trim());
      if (!m || Number(m[2]) < 1 || Number(m[3]) < 1) {
        throw new Error(`RATE_LIMIT_RULES: ${JSON.stringify(text)} is not tool:<name or prefix*>=<calls>/<seconds>`);
      }
      const name = m[1]!.trim();
      const glob = name.endsWith('*');
      const calls = Number(m[2]);
      const seconds = Number(m[3]);
      return {
        prefix: glob ? name.slice(0, -1) : name,
        glob,
        calls,
        seconds,
        limiter: make(`tool${i}`, calls, seconds),
      };
    });
  }

  /** Counts one request of `principal`, and one call of each tool the body calls; 429 RATE_LIMITED beyond a limit. */
  async consume(principal: string, tools: string[], id: JsonRpcId | null): Promise<void> {
    if (this.perPrincipal) {
      await this.take(
        this.perPrincipal,
        principal,
        'this server',
        this.config.RATE_LIMIT_REQUESTS,
        this.config.RATE_LIMIT_WINDOW_SECONDS,
        'requests',
        id,
      );
    }
    for (const tool of tools) {
      const rule = this.ruleFor(tool);
      if (rule)
        await this.take(
          rule.limiter,
          `${principal}:${tool}`,
          `tool ${JSON.stringify(tool)}`,
          rule.calls,
          rule.seconds,
          'calls',
          id,
        );
    }
  }

  /** The most specific rule for a tool: an exact name beats any prefix, a longer prefix a shorter one. */
  private ruleFor(tool: string): ToolRule | undefined {
    let best: ToolRule | undefined;
    const rank = (r: ToolRule) => (r.glob ? r.prefix.length : Number.MAX_SAFE_INTEGER);
    for (const r of this.rules) {
      if (!(r.glob ? tool.startsWith(r.prefix) : tool === r.prefix)) continue;
      if (!best || rank(r) > rank(best)) best = r;
    }
    return best;
  }

  private async take(
    limiter: RateLimiterRedis,
    key: string,
    what: string,
    points: number,
    seconds: number,
    unit: string,
    id: JsonRpcId | null,
  ): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err; // Redis failed: the error handler answers 503
      fleetMetrics.quotaRejected({ reason: unit === 'requests' ? 'request_rate' : 'tool_rate' });
      const retry = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new FleetError('RATE_LIMITED', {
        args: [what, `${points} ${unit}`, seconds, retry],
        id,
        retryAfterSeconds: retry,
      });
    }
  }
}
