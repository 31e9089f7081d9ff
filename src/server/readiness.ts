/** Result of one readiness check: ready, or not ready with a reason safe to show to anyone. */
export type CheckResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** A readiness check; a thrown error or rejection counts as not ready. */
export type ReadinessCheck = () => CheckResult | Promise<CheckResult>;

export interface CheckReport {
  readonly ready: boolean;
  readonly checks: readonly { readonly name: string; readonly result: CheckResult }[];
}

/**
 * The named checks behind `/readyz`. Controllers add a check when they start
 * (informers synced, OpenStack reachable) and remove it when they stop, so a
 * standby replica without controllers reports ready on the process alone.
 */
export class ReadinessChecks {
  private readonly checks = new Map<string, ReadinessCheck>();

  constructor(private readonly timeoutMs = 5_000) {}

  /** Adds or replaces the check called `name`; returns a function that removes it again. */
  add(name: string, check: ReadinessCheck): () => void {
    this.checks.set(name, check);
    return () => {
      if (this.checks.get(name) === check) {
        this.checks.delete(name);
      }
    };
  }

  /** Runs every check at once; a check that takes longer than the timeout counts as failed. */
  async run(): Promise<CheckReport> {
    const entries = [...this.checks.entries()].sort(([a], [b]) => a.localeCompare(b));
    const checks = await Promise.all(
      entries.map(async ([name, check]) => ({ name, result: await this.runOne(check) })),
    );
    return { ready: checks.every(({ result }) => result.ok), checks };
  }

  private async runOne(check: ReadinessCheck): Promise<CheckResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, reason: `timed out after ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([Promise.resolve().then(check), timeout]);
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
