import type { CheckedResource } from './check-manifests.js';

/** Formats findings one per line: `file: Kind namespace/name: severity path: message`. */
export function formatFindings(resources: readonly CheckedResource[]): string[] {
  const lines: string[] = [];
  for (const r of resources) {
    for (const f of r.findings) {
      const severity = f.severity === 'Error' ? 'error' : 'warning';
      lines.push(
        `${r.source}: ${r.kind} ${r.namespace}/${r.name}: ${severity} ${f.path}: ${f.message}`,
      );
    }
  }
  return lines;
}

export function countErrors(resources: readonly CheckedResource[]): number {
  return resources.reduce((n, r) => n + r.findings.filter((f) => f.severity === 'Error').length, 0);
}

/** Exit codes shared by the offline commands, so CI can tell bad input from a broken run. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;
