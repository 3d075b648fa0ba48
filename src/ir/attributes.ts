/** Node attributes as the IR holds them (declared in graph.ts, where subgraph-valued ones live). */
export type { AttributeValue, Attributes } from './graph.js';
