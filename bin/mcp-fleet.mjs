#!/usr/bin/env node
// The mcp-fleet CLI. The services are TypeScript run through tsx's loader (no build step to forget).
import { register } from 'tsx/esm/api';

register();
await import('../services/cli/src/main.ts');
