import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CONTROL_PLANE_STATE, REPO_ROOT } from './paths.js';

/** An operator started as a child process with `run`, and what its log lines reported. */
export interface OperatorChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Log lines parsed as JSON, in order. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the port of the metrics server once it listens. */
  readonly port: Promise<number>;
  /** Resolves with the leader election identity once it is logged. */
  readonly identity: Promise<string>;
  /** Resolves with the exit code, or the signal name when the process was killed. */
  readonly exited: Promise<number | string>;
}

/**
 * Starts `image-security-operator run` through tsx with the operator
 * kubeconfig, the metrics server on a free loopback port, and leader
 * election in `namespace`. Callers stop it by PID.
 */
export function startOperatorChild(
  podName: string,
  namespace: string,
  extraArgs: readonly string[] = [],
): OperatorChild {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'run',
      '--kubeconfig',
      path.join(CONTROL_PLANE_STATE, 'operator.kubeconfig'),
      '--namespace',
      namespace,
      '--metrics-bind-address',
      '127.0.0.1:0',
      '--leader-elect',
      '--leader-election-namespace',
      namespace,
      ...extraArgs,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, POD_NAME: podName, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid === undefined) {
    throw new Error(`failed to start the operator process for ${podName}`);
  }

  const lines: Record<string, unknown>[] = [];
  let resolvePort: (port: number) => void = () => undefined;
  let resolveIdentity: (identity: string) => void = () => undefined;
  const port = new Promise<number>((resolve) => (resolvePort = resolve));
  const identity = new Promise<string>((resolve) => (resolveIdentity = resolve));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(line);
    if (line.msg === 'metrics server listening') {
      resolvePort(Number(line.port));
    }
    if (line.msg === 'leader election enabled') {
      resolveIdentity(String(line.identity));
    }
  });
  child.stderr.resume();
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { process: child, pid: child.pid, lines, port, identity, exited };
}

/** Sums every sample of a metric in a scrape, or returns 0 when it has none. */
export async function scrapeTotal(port: number, metric: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${metric} `) || line.startsWith(`${metric}{`)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}
