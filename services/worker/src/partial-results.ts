// One call's partial-result chunks (shared/src/partial-results.ts has the wire shape): numbered from 0, sent only
// when the call opted in, and ended exactly once — with the result, or with an error chunk when the call failed or
// was cancelled.
import type { ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import type { StreamWriter } from './stream-writer.ts';

export class PartialResults {
  private seq = 0;
  private ended = false;

  constructor(
    private readonly writer: StreamWriter,
    /** the call's opt-in token; undefined: the client did not ask for chunks */
    private readonly token: string | number | undefined,
  ) {}

  async chunk(content: ContentBlock[], structuredContent?: Record<string, unknown>): Promise<void> {
    if (this.token === undefined || this.ended) return;
    await this.writer.partial({
      partialResultToken: this.token,
      seq: this.seq++,
      content,
      ...(structuredContent !== undefined && { structuredContent }),
      final: false,
    });
  }

  /** The last chunk: after the result, or (`error`) instead of one. */
  async end(error?: { code: number; message: string }): Promise<void> {
    if (this.token === undefined || this.ended) return;
    this.ended = true;
    await this.writer.partial({
      partialResultToken: this.token,
      seq: this.seq++,
      content: [],
      final: true,
      ...(error && { error }),
    });
  }
}
