import type { AnyOpDefinition } from './types.js';

// Placeholder until this op family lands.
export const ops: AnyOpDefinition[] = [];
