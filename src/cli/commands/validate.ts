import { Command, Option } from 'commander';
import { loadManifests } from '../../manifests/load.js';
import { checkManifests } from '../check-manifests.js';
import { countErrors, EXIT, formatFindings } from '../output.js';

/** `validate`: lints manifests offline for CI, with the same checks the operator makes. */
export function validateCommand(): Command {
  return new Command('validate')
    .description(
      'Check ImageSecurityPolicy and SignedImage manifests offline: CRD schema, CEL rules, ' +
        "Glance's config semantics and references between resources. Exits 0 when valid " +
        '(warnings allowed), 1 when any error is found, 2 on unreadable input, a usage error ' +
        'or when no resource of these kinds is found.',
    )
    .argument('[paths...]', 'manifest files or folders; - reads standard input', ['-'])
    .option('-n, --namespace <name>', 'namespace for resources that set none', 'default')
    .option('--strict', 'treat warnings as errors (exit 1)', false)
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(
      async (
        paths: string[],
        options: { namespace: string; strict: boolean; output: 'text' | 'json' },
      ) => {
        const resources = checkManifests(await loadManifests(paths), options.namespace);
        if (resources.length === 0) {
          // A gate that checks nothing must not pass: the path is most likely wrong.
          process.stderr.write(
            `error: no ImageSecurityPolicy or SignedImage found in ${paths.join(', ')}; ` +
              'check the paths\n',
          );
          process.exitCode = EXIT.usage;
          return;
        }
        const errors = countErrors(resources);
        const warnings = resources.reduce((n, r) => n + r.findings.length, 0) - errors;

        if (options.output === 'json') {
          const report = resources.map(({ source, kind, namespace, name, findings }) => ({
            source,
            kind,
            namespace,
            name,
            valid: !findings.some((f) => f.severity === 'Error'),
            findings,
          }));
          process.stdout.write(
            `${JSON.stringify({ errors, warnings, resources: report }, null, 2)}\n`,
          );
        } else {
          for (const line of formatFindings(resources)) {
            process.stdout.write(`${line}\n`);
          }
          process.stdout.write(
            `${resources.length} resources checked: ${errors} errors, ${warnings} warnings\n`,
          );
        }
        const failed = errors > 0 || (options.strict && warnings > 0);
        process.exitCode = failed ? EXIT.invalid : EXIT.ok;
      },
    );
}
