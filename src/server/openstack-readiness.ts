import type { OpenStackRequestObservation, OpenStackRequestObserver } from '../openstack/logger.js';
import type { CheckResult } from './readiness.js';

/**
 * Tracks whether the last OpenStack request of each service got a response,
 * so `/readyz` can report an unreachable cloud without sending requests of
 * its own. Any HTTP status counts as reachable: a 401 or 503 is a response,
 * and the controllers report those in status conditions.
 */
export class OpenStackReachability implements OpenStackRequestObserver {
  private readonly unreachable = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  observeRequest(observation: OpenStackRequestObservation): void {
    if (observation.status === undefined) {
      this.unreachable.set(observation.service, this.now());
    } else {
      this.unreachable.delete(observation.service);
    }
  }

  /** Fails while the last request to any service got no response; passes before the first request. */
  check(): CheckResult {
    if (this.unreachable.size === 0) {
      return { ok: true };
    }
    const services = [...this.unreachable.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, at]) => `${service} (since ${new Date(at).toISOString()})`);
    return { ok: false, reason: `no response from OpenStack ${services.join(', ')}` };
  }
}

/** Returns an observer that passes every observation to each of `observers`. */
export function combineObservers(
  ...observers: readonly OpenStackRequestObserver[]
): OpenStackRequestObserver {
  return {
    observeRequest: (observation) => {
      for (const observer of observers) {
        observer.observeRequest(observation);
      }
    },
  };
}
