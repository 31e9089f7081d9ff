import { Command, InvalidArgumentError, Option } from 'commander';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../kube/client.js';
import { describeApiError } from '../../kube/errors.js';
import { candidateIdentity } from '../../kube/leader-election.js';
import { createLogger } from '../../log.js';
import { EXIT_LEADERSHIP_LOST, runOperatorProcess } from '../operator-process.js';
import { EXIT } from '../output.js';
import { parseBindAddress, type BindAddress } from '../bind-address.js';

interface RunOptions {
  kubeconfig?: string;
  namespace?: string;
  workers: number;
  resyncPeriod: number;
  metricsBindAddress: BindAddress;
  metricsPort?: number;
  metrics: boolean;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionLeaseDuration: number;
  leaderElectionRenewDeadline: number;
  leaderElectionRetryPeriod: number;
}

/**
 * `run`: starts the controllers against a cluster and runs until SIGTERM or
 * SIGINT, then finishes the reconciles in flight and exits. With
 * `--leader-elect` only the replica holding the Lease runs controllers.
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
      'interval at which every policy is reconciled again, in whole seconds',
      parsePositiveInteger,
      600,
    )
    .addOption(
      new Option(
        '--metrics-bind-address <host:port>',
        'address of the /metrics, /healthz and /readyz server; port 0 picks a free port',
      )
        .argParser(parseBindAddress)
        .default(parseBindAddress('0.0.0.0:8080'), '0.0.0.0:8080'),
    )
    .option(
      '--metrics-port <port>',
      'port of that server, overriding the one in --metrics-bind-address',
      parsePort,
    )
    .option('--no-metrics', 'serve no metrics or health endpoints')
    .option('--leader-elect', 'run controllers only while holding the leader election Lease', false)
    .addOption(
      new Option('--leader-election-namespace <name>', 'namespace of the Lease').default(
        process.env.POD_NAMESPACE ?? 'default',
        'POD_NAMESPACE, else "default"',
      ),
    )
    .option(
      '--leader-election-lease-duration <seconds>',
      'time a standby waits after the last renewal before taking over, in seconds',
      parsePositiveNumber,
      15,
    )
    .option(
      '--leader-election-renew-deadline <seconds>',
      'time the leader retries a failed renewal before it stops, in seconds',
      parsePositiveNumber,
      10,
    )
    .option(
      '--leader-election-retry-period <seconds>',
      'interval between attempts to acquire or renew the Lease, in seconds',
      parsePositiveNumber,
      2,
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
          leaderElect: options.leaderElect,
        },
        'starting',
      );

      const stop = new AbortController();
      const onSignal = (signal: NodeJS.Signals): void => {
        log.info({ signal }, 'stopping');
        stop.abort();
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);

      let code: number;
      try {
        code = await runOperatorProcess({
          kubeConfig,
          log,
          workers: options.workers,
          resyncPeriodMs: options.resyncPeriod * 1000,
          stopSignal: stop.signal,
          ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
          ...(options.metrics
            ? {
                metricsAddress: {
                  host: options.metricsBindAddress.host,
                  port: options.metricsPort ?? options.metricsBindAddress.port,
                },
              }
            : {}),
          ...(options.leaderElect
            ? {
                leaderElection: {
                  namespace: options.leaderElectionNamespace,
                  identity: candidateIdentity(),
                  leaseDurationMs: options.leaderElectionLeaseDuration * 1000,
                  renewDeadlineMs: options.leaderElectionRenewDeadline * 1000,
                  retryPeriodMs: options.leaderElectionRetryPeriod * 1000,
                },
              }
            : {}),
        });
      } catch (error) {
        // Invalid leader election timings are the only expected failure here.
        log.error({ err: describeApiError(error) }, 'failed to run the operator');
        code = EXIT.usage;
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }

      if (code === EXIT_LEADERSHIP_LOST) {
        log.error('exiting after losing the leader election lease');
      } else {
        log.info({ exitCode: code }, 'stopped');
      }
      // The queues are drained and the lease released, so nothing is left to
      // finish. Exiting here does not wait for watch connections the client
      // library closes lazily, which kept the process alive for up to the
      // apiserver's request timeout. pino writes to stdout synchronously.
      process.exit(code);
    });
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError(`expected a whole number of at least 1, got "${value}"`);
  }
  return number;
}

function parsePositiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new InvalidArgumentError(`expected a number of seconds above 0, got "${value}"`);
  }
  return number;
}

function parsePort(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`);
  }
  return number;
}
