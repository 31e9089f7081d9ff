import type { ActionOutcome } from '../catalog/apply.js';
import type { ImageAudit } from '../catalog/audit.js';
import type { EnforcementPlan } from '../catalog/enforce.js';

const COLUMNS = ['RESULT', 'VISIBILITY', 'STATUS', 'IMAGE ID', 'OWNER', 'NAME', 'REASON'] as const;

/** Formats audits as an aligned text table, violations first, then the plan and outcomes. */
export function formatAuditTable(
  audits: readonly ImageAudit[],
  plan: EnforcementPlan,
  outcomes: readonly ActionOutcome[] | undefined,
): string {
  const sorted = [...audits].sort((a, b) => Number(a.compliant) - Number(b.compliant));
  const rows = sorted.map((audit) => [
    audit.compliant ? 'ok' : 'VIOLATION',
    audit.hidden ? `${audit.exposure} (hidden)` : audit.exposure,
    audit.status,
    audit.imageId,
    audit.owner ?? '-',
    audit.name ?? '-',
    audit.compliant ? (audit.allowedBy ?? '') : audit.reason,
  ]);
  const lines = alignColumns([[...COLUMNS], ...rows]);

  lines.push('');
  lines.push(...describePlan(audits.length, plan, outcomes));
  return `${lines.join('\n')}\n`;
}

function describePlan(
  audited: number,
  plan: EnforcementPlan,
  outcomes: readonly ActionOutcome[] | undefined,
): string[] {
  const lines = [`${audited} published images audited, ${plan.violations} violations.`];
  if (plan.action === 'Report') {
    lines.push('action Report: no image is changed.');
    return lines;
  }
  lines.push(
    `action ${plan.action}: ${plan.actions.length} images planned, ${plan.skipped.length} skipped.`,
  );
  for (const skipped of plan.skipped) {
    lines.push(`  skipped ${skipped.imageId}: ${skipped.reason}`);
  }
  if (plan.blocked !== undefined) {
    lines.push(`blocked: ${plan.blocked}`);
  } else if (plan.dryRun) {
    lines.push('dryRun is set: no image was changed.');
  } else if (outcomes === undefined && plan.actions.length > 0) {
    lines.push('no image was changed; pass --apply to run the planned actions.');
  }
  for (const outcome of outcomes ?? []) {
    lines.push(
      outcome.succeeded
        ? `  ${outcome.action} ${outcome.imageId}: done`
        : `  ${outcome.action} ${outcome.imageId}: failed: ${outcome.error ?? 'unknown error'}`,
    );
  }
  return lines;
}

/** Pads every column except the last to its widest cell. */
function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = COLUMNS.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  '),
  );
}
