export { statusPatch } from '../../kube/status-patch.js';

/** Formats a time as the apiserver stores date-time fields: whole seconds, UTC. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
