/** One validation result, shown in the policy status and by the offline commands. */
export interface Finding {
  severity: 'Error' | 'Warning';
  /** Field path such as `spec.propertyProtection.rules[2].pattern`. */
  path: string;
  /** Names the bad value and the fix. */
  message: string;
}

export function error(path: string, message: string): Finding {
  return { severity: 'Error', path, message };
}

export function warning(path: string, message: string): Finding {
  return { severity: 'Warning', path, message };
}

/** Returns true when any finding is an Error, which blocks rendering. */
export function hasErrors(result: { findings: readonly Finding[] }): boolean {
  return result.findings.some((finding) => finding.severity === 'Error');
}

/** Quotes a value for a message so that empty strings and whitespace stay visible. */
export function show(value: string): string {
  return JSON.stringify(value);
}
