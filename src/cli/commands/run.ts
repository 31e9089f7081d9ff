import { Command, InvalidArgumentError } from 'commander';
import type { KubeConfig } from '@kubernetes/client-node';
import { startManager, type ManagerHandle } from '../../controllers/manager.js';
import { loadKubeConfig } from '../../kube/client.js';
import { describeApiError } from '../../kube/errors.js';
import { createLogger } from '../../log.js';
import { EXIT } from '../output.js';

interface RunOptions {
  kubeconfig?: string;
  namespace?: string;
  workers: number;
  resyncPeriod: number;
}

/**
 * `run`: starts the controllers against a cluster and runs until SIGTERM or
 * SIGINT, then finishes the reconciles in flight and exits.
 */
export function runCommand(): Command {
  return new Command('run')
    .description(
      'Run the operator: reconcile ImageSecurityPolicies until stopped by SIGTERM or SIGINT.',
    )
    .option(
      '--kubeconfig <path>',
      'kubeconfig file (default: KUBECONFIG, in-cluster, ~/.kube/config)',
    )
    .option('-n, --namespace <name>', 'watch only this namespace (default: all namespaces)')
    .option('--workers <count>', 'policies reconciled in parallel', parsePositiveInteger, 4)
    .option(
      '--resync-period <seconds>',
      'interval at which every policy is reconciled again, in seconds',
      parsePositiveInteger,
      600,
    )
    .action(async (options: RunOptions) => {
      const log = createLogger();
      let kubeConfig: KubeConfig;
      try {
        kubeConfig = loadKubeConfig(options.kubeconfig);
      } catch (error) {
        const source = options.kubeconfig ?? process.env.KUBECONFIG ?? 'the default locations';
        log.error(
          { err: describeApiError(error), kubeconfig: source },
          'failed to load the kubeconfig; pass --kubeconfig or set KUBECONFIG',
        );
        process.exitCode = EXIT.usage;
        return;
      }
      log.info(
        {
          server: kubeConfig.getCurrentCluster()?.server,
          namespace: options.namespace ?? '(all)',
          workers: options.workers,
          resyncPeriodSeconds: options.resyncPeriod,
        },
        'starting',
      );

      let manager: ManagerHandle;
      try {
        manager = await startManager(kubeConfig, {
          log,
          workers: options.workers,
          resyncPeriodMs: options.resyncPeriod * 1000,
          ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
        });
      } catch (error) {
        log.error({ err: describeApiError(error) }, 'failed to start the controllers');
        process.exitCode = 1;
        return;
      }

      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      log.info({ signal }, 'stopping');
      await manager.stop();
    });
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError(`expected a whole number of at least 1, got "${value}"`);
  }
  return number;
}
