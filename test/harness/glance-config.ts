import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { restartTokenFor } from '../../src/controllers/policy/redeploy-plan.js';
import type { RenderedFiles } from '../../src/manifests/configmap.js';
import {
  GLANCE_API_FRAGMENT_KEY,
  POLICY_YAML_KEY,
  PROPERTY_PROTECTIONS_KEY,
} from '../../src/render/index.js';
import { restartGlance, type LabEnv } from './openstack.js';

/** The two files Glance reads for property protections and policy rules, as text. */
export interface GlanceFiles {
  readonly propertyProtections: string;
  readonly policyYaml: string;
}

/** What an install did, so a test can assert the restart decision. */
export interface InstallResult {
  /** The rendered restart token differs from the one last installed with a restart. */
  readonly restartNeeded: boolean;
  readonly restarted: boolean;
}

const RULE_FORMAT_OPTION = /^property_protection_rule_format\s*=\s*(\S+)\s*$/m;

/**
 * Installs rendered image service files into the lab's Glance the way a
 * mounted ConfigMap and a rollout would. Each file is replaced by a rename, so
 * Glance reads either the old or the new bytes. Glance restarts only when the
 * restart token differs from the one installed with the last restart, which
 * is the decision the operator makes with `restartTokenFor`.
 */
export class LabGlanceConfig {
  private installedRestartToken: string | undefined;
  constructor(
    private readonly lab: LabEnv,
    private readonly liveReloadableChanges: 'Reload' | 'Restart' = 'Reload',
  ) {}

  /**
   * Writes the rendered files and restarts Glance when the restart token
   * changed. With `skipRestart` the files are written but Glance keeps
   * running, so a test can measure what Glance does before the rollout.
   */
  async install(
    rendered: RenderedFiles,
    options: { skipRestart?: boolean } = {},
  ): Promise<InstallResult> {
    await this.writeFiles({
      propertyProtections: requireKey(rendered, PROPERTY_PROTECTIONS_KEY),
      policyYaml: requireKey(rendered, POLICY_YAML_KEY),
    });
    await this.setRuleFormat(ruleFormatOf(requireKey(rendered, GLANCE_API_FRAGMENT_KEY)));

    const token = restartTokenFor('imageService', rendered, this.liveReloadableChanges);
    const restartNeeded = token !== this.installedRestartToken;
    if (!restartNeeded || options.skipRestart === true) {
      return { restartNeeded, restarted: false };
    }
    await this.restart();
    this.installedRestartToken = token;
    return { restartNeeded, restarted: true };
  }

  /**
   * Writes hand-written files that did not come from the renderer, such as a
   * vendor guide's text, and restarts Glance so it reads the section list
   * fresh. The next `install` restarts again, because the installed token is
   * unknown.
   */
  async installLiteral(files: GlanceFiles): Promise<void> {
    await this.writeFiles(files);
    await this.setRuleFormat('roles');
    this.installedRestartToken = undefined;
    await this.restart();
  }

  /** Puts back the lab's default files (kept beside them by lab.sh) and restarts Glance. */
  async restoreDefaults(): Promise<void> {
    await atomicCopy(
      defaultCopyOf(this.lab.propertyProtectionFile),
      this.lab.propertyProtectionFile,
    );
    await atomicCopy(defaultCopyOf(this.lab.glancePolicyFile), this.lab.glancePolicyFile);
    await this.setRuleFormat('roles');
    this.installedRestartToken = undefined;
    await this.restart();
  }

  /**
   * Writes policy.yaml first: in the policies format, protection sections name
   * policy rules, so the rules exist before a section refers to them.
   */
  private async writeFiles(files: GlanceFiles): Promise<void> {
    await atomicWrite(this.lab.glancePolicyFile, files.policyYaml);
    await atomicWrite(this.lab.propertyProtectionFile, files.propertyProtections);
  }

  /** Sets `property_protection_rule_format` in the lab's glance-api.conf when it differs. */
  private async setRuleFormat(format: string): Promise<void> {
    const file = path.join(this.lab.glanceConfigDir, 'glance-api.conf');
    const text = await readFile(file, 'utf8');
    if (!RULE_FORMAT_OPTION.test(text)) {
      throw new Error(
        `${file} has no property_protection_rule_format line; remove ${this.lab.stateDir} and run lab.sh up`,
      );
    }
    const updated = text.replace(RULE_FORMAT_OPTION, `property_protection_rule_format = ${format}`);
    if (updated !== text) {
      await atomicWrite(file, updated);
    }
  }

  /**
   * Restarts Glance without changing the installed token, for a change that
   * Glance needs a restart for but the restart token does not cover.
   */
  async restart(): Promise<void> {
    await restartGlance(this.lab.stateDir);
  }
}

function requireKey(rendered: RenderedFiles, key: string): string {
  const value = rendered.data[key];
  if (value === undefined) {
    throw new Error(`rendered ConfigMap ${rendered.name} has no key ${key}`);
  }
  return value;
}

/** Reads the rule format from the rendered glance-api.conf fragment. */
function ruleFormatOf(fragment: string): string {
  const format = RULE_FORMAT_OPTION.exec(fragment)?.[1];
  if (format === undefined) {
    throw new Error(`rendered ${GLANCE_API_FRAGMENT_KEY} sets no property_protection_rule_format`);
  }
  return format;
}

/** Maps `policy.yaml` to `policy.default.yaml`, the copy lab.sh keeps of each default file. */
function defaultCopyOf(file: string): string {
  const extension = path.extname(file);
  return `${file.slice(0, -extension.length)}.default${extension}`;
}

/** Writes a temporary file beside the target and renames it over the target. */
async function atomicWrite(file: string, text: string): Promise<void> {
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, text, { mode: 0o644 });
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function atomicCopy(source: string, target: string): Promise<void> {
  await atomicWrite(target, await readFile(source, 'utf8'));
}
