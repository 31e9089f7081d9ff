/**
 * Measures how late a repeating timer fires, which is how long the event loop
 * was blocked. `/healthz` fails while the latest delay is above the limit, so
 * a process stuck in a long synchronous loop is restarted by its liveness
 * probe even when the probe itself gets a response between the stalls.
 */
export class EventLoopMonitor {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastTick = 0;
  private lagMs = 0;

  constructor(
    /** Interval of the probe timer, in ms. */
    private readonly intervalMs = 500,
    /** Delay above which the process counts as unhealthy, in ms. */
    readonly maxLagMs = 5_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer !== undefined) {
      return;
    }
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // The monitor alone must not keep the process running.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Records one timer run; public so tests can drive it with a fake clock. */
  tick(): void {
    const now = this.now();
    this.lagMs = Math.max(0, now - this.lastTick - this.intervalMs);
    this.lastTick = now;
  }

  /** Delay of the latest timer run, or time since it when that is longer, in ms. */
  currentLagMs(): number {
    const sinceLastTick = this.now() - this.lastTick - this.intervalMs;
    return Math.max(this.lagMs, sinceLastTick, 0);
  }

  healthy(): boolean {
    return this.currentLagMs() <= this.maxLagMs;
  }
}
