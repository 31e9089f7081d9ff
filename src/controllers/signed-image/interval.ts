/** Milliseconds in each unit `spec.reverifyInterval` accepts. */
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `30m` or `1h30m` (the CRD pattern) into
 * milliseconds. Returns undefined when `value` is unset, and throws naming
 * the field when it does not match, which the CRD already prevents.
 */
export function parseInterval(value: string | undefined, field: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!/^([0-9]+[smh])+$/.test(value)) {
    throw new Error(`${field} "${value}" is not a duration; use a value such as 30s, 10m or 1h30m`);
  }
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+)([smh])/g)) {
    total += Number(amount) * (UNIT_MS[unit ?? 's'] ?? 1000);
  }
  return total;
}
