import { Command, Option } from 'commander';
import { dump } from 'js-yaml';
import { buildConfigMap } from '../../manifests/configmap.js';
import { loadManifests } from '../../manifests/load.js';
import { checkManifests } from '../check-manifests.js';
import { countErrors, EXIT, formatFindings } from '../output.js';

/**
 * `render`: prints the ConfigMaps the operator would write for the
 * ImageSecurityPolicies in the given manifests, without a cluster.
 */
export function renderCommand(): Command {
  return new Command('render')
    .description(
      'Render the ConfigMaps for ImageSecurityPolicy manifests offline and print them as YAML. ' +
        'Exits 1 when a manifest is invalid (messages name the field path), 2 on unreadable input.',
    )
    .argument('[paths...]', 'manifest files or folders; - reads standard input', ['-'])
    .option('-n, --namespace <name>', 'namespace for resources that set none', 'default')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['yaml', 'json'])
        .default('yaml'),
    )
    .action(async (paths: string[], options: { namespace: string; output: 'yaml' | 'json' }) => {
      const resources = checkManifests(await loadManifests(paths), options.namespace);
      for (const line of formatFindings(resources)) {
        process.stderr.write(`${line}\n`);
      }
      if (countErrors(resources) > 0) {
        process.exitCode = EXIT.invalid;
        return;
      }

      const configMaps = resources.flatMap((r) => {
        const policy = r.policy;
        if (policy === undefined || r.rendered === undefined) {
          return [];
        }
        const withNamespace = { metadata: { ...policy.metadata, namespace: r.namespace } };
        return [r.rendered.imageService, r.rendered.computeService]
          .filter((files) => files !== undefined)
          .map((files) => buildConfigMap(withNamespace, files));
      });
      process.stdout.write(
        options.output === 'json'
          ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: configMaps }, null, 2)}\n`
          : configMaps.map((cm) => dump(cm, { lineWidth: -1, noRefs: true })).join('---\n'),
      );
    });
}
