import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const GLANCE_MODULE = '/usr/lib/python3/dist-packages/glance/common/property_utils.py';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'glance_rules.py');

/** One check_property_rules call: property name, operation and the roles of the request context. */
export type Query = readonly [string, string, readonly string[]];

export interface GlanceCase {
  readonly id: string;
  readonly format: 'roles' | 'policies';
  readonly conf: string;
  readonly policyYaml?: string;
  readonly queries?: readonly Query[];
}

export interface GlanceCaseResult {
  readonly id: string;
  readonly loadError?: string;
  readonly policyError?: string;
  readonly policyRules?: Record<string, string>;
  readonly answers?: boolean[];
}

export interface PatternResult {
  readonly pattern: string;
  readonly error?: string;
  readonly matches?: boolean[];
}

export interface GlanceOutput {
  readonly cases: GlanceCaseResult[];
  readonly patterns: PatternResult[];
}

/** Throws, with the fix, when Glance's Python package is missing; the cross-check never skips. */
export function requireGlance(): void {
  if (!existsSync(PYTHON) || !existsSync(GLANCE_MODULE)) {
    throw new Error(
      `python3-glance is not installed (${GLANCE_MODULE} not found), so the rendered files cannot be ` +
        'checked with Glance itself; run hack/provision.sh, then rerun the tests',
    );
  }
}

/**
 * Writes every case's files to a temporary folder and evaluates all of them
 * in one Python process, because importing Glance takes seconds.
 */
export function runGlance(
  cases: readonly GlanceCase[],
  patterns: { patterns: readonly string[]; names: readonly string[] } = { patterns: [], names: [] },
): GlanceOutput {
  requireGlance();
  const folder = mkdtempSync(join(tmpdir(), 'render-glance-'));
  try {
    const manifest = cases.map((glanceCase, index) => {
      const confPath = join(folder, `${index}.conf`);
      writeFileSync(confPath, glanceCase.conf);
      let policyPath: string | undefined;
      if (glanceCase.policyYaml !== undefined) {
        policyPath = join(folder, `${index}.yaml`);
        writeFileSync(policyPath, glanceCase.policyYaml);
      }
      return { ...glanceCase, conf: undefined, policyYaml: undefined, confPath, policyPath };
    });
    const manifestPath = join(folder, 'manifest.json');
    writeFileSync(manifestPath, JSON.stringify({ cases: manifest, patterns }));

    const output = execFileSync(PYTHON, [SCRIPT, manifestPath], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(output) as GlanceOutput;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
