/**
 * Parsing entry points (implemented by the parsers under this folder). Parsers never throw: every record
 * yields either a MeshEvent or a rejection reason.
 */
import type { InputFormat, ParseResult } from '../event.js';

export interface WorkloadInfo {
  namespace: string;
  workload: string;
  serviceAccount: string;
}

export interface ParseOptions {
  /** Hosts ending in `.svc.<clusterDomain>` are inside the mesh. */
  clusterDomain: string;
  trustDomain: string;
  /** Extra host suffixes that count as inside the mesh. */
  meshHosts: readonly string[];
  /** Pod IP → workload, where known, to resolve callers of logs that carry no identity. */
  podIps?: ReadonlyMap<string, WorkloadInfo>;
}

export const defaultParseOptions: ParseOptions = {
  clusterDomain: 'cluster.local',
  trustDomain: 'cluster.local',
  meshHosts: [],
};

export type Emit = (result: ParseResult) => void;

// Placeholder bodies: replaced by the real parsers.
export function detectFormat(_line: string): InputFormat | undefined {
  throw new Error('not implemented yet');
}
export function parseLine(_line: string, _format: InputFormat | 'auto', _opts: ParseOptions, _emit: Emit): void {
  throw new Error('not implemented yet');
}
