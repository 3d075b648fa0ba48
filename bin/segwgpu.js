#!/usr/bin/env node
// The segwgpu command. The sources are TypeScript; tsx compiles them on the fly so the command
// works straight from a checkout after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
