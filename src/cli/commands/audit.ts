import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { PublishedImages } from '../../api/published-images.js';
import { applyPlan, type ActionOutcome } from '../../catalog/apply.js';
import { auditImages } from '../../catalog/audit.js';
import { planEnforcement } from '../../catalog/enforce.js';
import { listPublishedImages } from '../../catalog/list.js';
import { loadManifests } from '../../manifests/load.js';
import { connect, OpenStackConfigError, OpenStackError } from '../../openstack/index.js';
import { formatAuditTable } from '../audit-table.js';
import { checkManifests } from '../check-manifests.js';
import { countErrors, EXIT, formatFindings } from '../output.js';

interface AuditCliOptions {
  osCloud?: string;
  cloudsYaml?: string;
  namespace: string;
  apply: boolean;
  output: 'table' | 'json';
}

/** A problem with the command line or its inputs, reported with exit code 2. */
class AuditUsageError extends Error {
  override name = 'AuditUsageError';
}

/**
 * `audit`: one pass of the published image audit of an ImageSecurityPolicy
 * against a cloud, for a first look at a catalog before the operator runs it.
 */
export function auditCommand(): Command {
  return new Command('audit')
    .description(
      "Audit the cloud's public and community images (os_hidden ones included) against " +
        'spec.publishedImages of an ImageSecurityPolicy manifest, and print the violations and ' +
        'the actions the policy plans. Changes images only with --apply. Entries with ' +
        'requireVerifiedSignature allow no image here, because SignedImage status is not read. ' +
        'Exits 0 without violations, 1 with violations or failed actions, 2 on a usage or connection error.',
    )
    .argument('<policy>', 'ImageSecurityPolicy manifest file; - reads standard input')
    .option('--os-cloud <name>', 'clouds.yaml entry to use (default: $OS_CLOUD)')
    .option(
      '--clouds-yaml <path>',
      'clouds.yaml file (default: $OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ' +
        '~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml)',
    )
    .option('-n, --namespace <name>', 'namespace for a policy that sets none', 'default')
    .option('--apply', "run the planned actions, within the policy's dryRun and limit", false)
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['table', 'json'])
        .default('table'),
    )
    .action(async (policyPath: string, options: AuditCliOptions) => {
      try {
        process.exitCode = await runAudit(policyPath, options);
      } catch (error) {
        const expected =
          error instanceof AuditUsageError ||
          error instanceof OpenStackError ||
          error instanceof OpenStackConfigError;
        if (!expected) {
          throw error;
        }
        process.stderr.write(`error: ${error.message}\n`);
        process.exitCode = EXIT.usage;
      }
    });
}

async function runAudit(policyPath: string, options: AuditCliOptions): Promise<number> {
  const config = await loadPublishedImages(policyPath, options.namespace);
  const cloud = options.osCloud ?? process.env.OS_CLOUD;
  if (cloud === undefined || cloud === '') {
    throw new AuditUsageError('no cloud given: pass --os-cloud or set OS_CLOUD');
  }
  const clients = await connect(await readCloudsYaml(options.cloudsYaml), cloud);

  const progress = terminalProgress();
  const audits = auditImages(config, await listPublishedImages(clients.glance, progress.update));
  progress.done();
  const plan = planEnforcement(config, audits);
  const outcomes: ActionOutcome[] | undefined = options.apply
    ? await applyPlan(clients.glance, plan)
    : undefined;

  if (options.output === 'json') {
    process.stdout.write(
      `${JSON.stringify({ audits, plan, outcomes: outcomes ?? [] }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(formatAuditTable(audits, plan, outcomes));
  }
  const failed = (outcomes ?? []).some((outcome) => !outcome.succeeded);
  return plan.violations > 0 || failed ? EXIT.invalid : EXIT.ok;
}

/** Reads spec.publishedImages of the one valid ImageSecurityPolicy in the manifest. */
async function loadPublishedImages(
  policyPath: string,
  namespace: string,
): Promise<PublishedImages> {
  const resources = checkManifests(await loadManifests([policyPath]), namespace);
  for (const line of formatFindings(resources)) {
    process.stderr.write(`${line}\n`);
  }
  if (countErrors(resources) > 0) {
    throw new AuditUsageError(`${policyPath} is invalid; fix the errors above`);
  }
  const policies = resources.filter((resource) => resource.policy?.spec.publishedImages);
  const policy = policies[0]?.policy;
  if (policies.length !== 1 || policy?.spec.publishedImages === undefined) {
    throw new AuditUsageError(
      `${policyPath} has ${policies.length} ImageSecurityPolicies with spec.publishedImages; pass a manifest with exactly one`,
    );
  }
  return policy.spec.publishedImages;
}

/** Reads clouds.yaml from the option, $OS_CLIENT_CONFIG_FILE or the usual openstacksdk places. */
async function readCloudsYaml(explicit: string | undefined): Promise<string> {
  const candidates = cloudsYamlCandidates(explicit);
  for (const candidate of candidates) {
    try {
      return await readFile(candidate, 'utf8');
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing || candidates.length === 1) {
        throw new AuditUsageError(
          `clouds.yaml ${candidate} cannot be read: ${(error as Error).message}`,
        );
      }
    }
  }
  throw new AuditUsageError(
    `no clouds.yaml found in ${candidates.join(', ')}; pass --clouds-yaml or set OS_CLIENT_CONFIG_FILE`,
  );
}

function cloudsYamlCandidates(explicit: string | undefined): string[] {
  if (explicit !== undefined) {
    return [explicit];
  }
  const fromEnvironment = process.env.OS_CLIENT_CONFIG_FILE;
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    return [fromEnvironment];
  }
  return [
    'clouds.yaml',
    path.join(homedir(), '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ];
}

/**
 * Shows a count of listed images on standard error while the audit lists the
 * catalog, redrawn at most 10 times a second, only when standard error is a
 * terminal, so pipelines and JSON output stay clean.
 */
function terminalProgress(): { update: (listed: number) => void; done: () => void } {
  if (!process.stderr.isTTY) {
    return { update: () => undefined, done: () => undefined };
  }
  let lastDraw = 0;
  let shown = false;
  return {
    update: (listed) => {
      const now = Date.now();
      if (now - lastDraw < 100) {
        return;
      }
      lastDraw = now;
      shown = true;
      process.stderr.write(`\rlisting public and community images: ${listed} listed`);
    },
    done: () => {
      if (shown) {
        process.stderr.write('\n');
      }
    },
  };
}
