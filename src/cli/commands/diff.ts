import { Command } from 'commander';
import { describeFileError } from '../file-errors.js';
import { CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { IMAGE_SECURITY_POLICY } from '../../api/group.js';
import { assertTlsVerified } from '../../kube/client.js';
import { describeApiError, isApiError } from '../../kube/errors.js';
import { buildConfigMap, POLICY_LABEL } from '../../manifests/configmap.js';
import { loadManifests } from '../../manifests/load.js';
import { checkManifests } from '../check-manifests.js';
import { countErrors, formatFindings } from '../output.js';
import { unifiedDiff } from '../unified-diff.js';

interface DiffOptions {
  namespace: string;
  kubeconfig?: string;
  context?: string;
}

/** Exit codes of `diff`, the same as those of diff(1), so scripts can branch on them. */
export const DIFF_EXIT = { same: 0, different: 1, error: 2 } as const;

/**
 * `diff`: renders ImageSecurityPolicy manifests offline and prints how the
 * live ConfigMaps differ from what the operator would write.
 */
export function diffCommand(): Command {
  return new Command('diff')
    .description(
      'Render ImageSecurityPolicy manifests and print a unified diff per file against the ' +
        'live ConfigMaps (live is the old side). Compares the data keys only. Exits 0 when ' +
        'nothing differs, 1 when something differs, 2 on invalid manifests or cluster errors.',
    )
    .argument('[paths...]', 'manifest files or folders; - reads standard input', ['-'])
    .option('-n, --namespace <name>', 'namespace for resources that set none', 'default')
    .option(
      '--kubeconfig <path>',
      'kubeconfig file (default: KUBECONFIG, in-cluster, ~/.kube/config)',
    )
    .option('--context <name>', 'kubeconfig context to use (default: its current-context)')
    .action(async (paths: string[], options: DiffOptions) => {
      process.exitCode = await runDiff(paths, options);
    });
}

async function runDiff(paths: string[], options: DiffOptions): Promise<number> {
  const resources = checkManifests(await loadManifests(paths), options.namespace);
  for (const line of formatFindings(resources)) {
    process.stderr.write(`${line}\n`);
  }
  if (countErrors(resources) > 0) {
    process.stderr.write('error: fix the invalid manifests above before comparing\n');
    return DIFF_EXIT.error;
  }

  let core: CoreV1Api;
  try {
    core = clusterConfig(options).makeApiClient(CoreV1Api);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return DIFF_EXIT.error;
  }

  let different = false;
  for (const desired of desiredConfigMaps(resources)) {
    const namespace = desired.metadata?.namespace ?? options.namespace;
    const name = desired.metadata?.name ?? '';
    let live: V1ConfigMap | undefined;
    try {
      live = await core.readNamespacedConfigMap({ name, namespace });
    } catch (error) {
      if (!isApiError(error, 404)) {
        process.stderr.write(
          `error: reading ConfigMap ${namespace}/${name} failed: ${describeApiError(error)}\n`,
        );
        return DIFF_EXIT.error;
      }
    }
    warnIfNotOwned(live, desired);
    const output = diffConfigMap(live, desired);
    if (output !== '') {
      different = true;
      process.stdout.write(output);
    }
  }
  return different ? DIFF_EXIT.different : DIFF_EXIT.same;
}

/**
 * Loads the kubeconfig like `run` does, then switches to `--context`. TLS is
 * checked on the context actually used, so a kubeconfig whose default context
 * is insecure can still be used with a verified one.
 */
function clusterConfig(options: DiffOptions): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (options.kubeconfig !== undefined && options.kubeconfig !== '') {
    try {
      kubeConfig.loadFromFile(options.kubeconfig);
    } catch (error) {
      throw new Error(describeFileError(error, 'kubeconfig'), { cause: error });
    }
  } else {
    kubeConfig.loadFromDefault();
  }
  if (options.context !== undefined) {
    if (kubeConfig.getContextObject(options.context) === null) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      throw new Error(
        `--context "${options.context}" is not in the kubeconfig; ` +
          `use one of: ${known.join(', ') || '(none)'}`,
      );
    }
    kubeConfig.setCurrentContext(options.context);
  }
  assertTlsVerified(kubeConfig);
  return kubeConfig;
}

/** Builds the ConfigMaps the operator would write for every valid policy, in manifest order. */
function desiredConfigMaps(resources: ReturnType<typeof checkManifests>): V1ConfigMap[] {
  return resources.flatMap((r) => {
    const rendered = r.rendered;
    if (r.policy === undefined || rendered === undefined) {
      return [];
    }
    const policy = { metadata: { ...r.policy.metadata, namespace: r.namespace } };
    return [rendered.imageService, rendered.computeService]
      .filter((files) => files !== undefined)
      .map((files) => buildConfigMap(policy, files));
  });
}

/**
 * Returns a unified diff for every data key whose text differs, in key
 * order. A key missing on one side is compared with /dev/null, so a missing
 * ConfigMap shows every file as added. binaryData keys are listed as removed
 * because the operator deletes binaryData when it writes the ConfigMap.
 */
export function diffConfigMap(live: V1ConfigMap | undefined, desired: V1ConfigMap): string {
  const namespace = desired.metadata?.namespace ?? '';
  const name = desired.metadata?.name ?? '';
  const liveData = live?.data ?? {};
  const desiredData = desired.data ?? {};
  const keys = [...new Set([...Object.keys(liveData), ...Object.keys(desiredData)])].sort();

  const out: string[] = [];
  for (const key of keys) {
    const path = `${namespace}/${name}/${key}`;
    const oldText = liveData[key];
    const newText = desiredData[key];
    const text = unifiedDiff(
      oldText ?? '',
      newText ?? '',
      oldText === undefined ? '/dev/null' : `live/${path}`,
      newText === undefined ? '/dev/null' : `rendered/${path}`,
    );
    if (text !== '') {
      out.push(`diff live/${path} rendered/${path}\n${text}`);
    }
  }
  for (const key of Object.keys(live?.binaryData ?? {}).sort()) {
    out.push(`binaryData key ${namespace}/${name}/${key} would be removed\n`);
  }
  return out.join('');
}

/**
 * Warns on stderr when the live ConfigMap is not controlled by a policy of
 * the rendered name, since the operator then reports ConfigMapConflict and
 * leaves the ConfigMap as it is instead of applying the diff.
 */
function warnIfNotOwned(live: V1ConfigMap | undefined, desired: V1ConfigMap): void {
  if (live === undefined) {
    return;
  }
  const policyName = desired.metadata?.labels?.[POLICY_LABEL];
  const controller = live.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  if (controller?.kind === IMAGE_SECURITY_POLICY.kind && controller.name === policyName) {
    return;
  }
  const holder =
    controller === undefined
      ? 'has no controller owner'
      : `is controlled by ${controller.kind} ${controller.name}`;
  process.stderr.write(
    `warning: ConfigMap ${live.metadata?.namespace}/${live.metadata?.name} ${holder}, so the ` +
      'operator will report ConfigMapConflict and not write it; rename ' +
      'spec.targets.*.configMapName or delete the ConfigMap\n',
  );
}
