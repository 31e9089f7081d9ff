import type { Condition } from '../api/common.js';

/** A condition as a controller decides it; the transition time is filled in by {@link setCondition}. */
export interface ConditionUpdate {
  readonly type: string;
  readonly status: Condition['status'];
  /** CamelCase reason, also used as the reason of a matching Event. */
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

/**
 * Returns a copy of `conditions` with `update` set. The condition keeps its
 * place in the list; `lastTransitionTime` changes only when the status does,
 * so re-applying the same decision yields an equal list.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((condition) => condition.type === update.type);
  const previous = index === -1 ? undefined : list[index];

  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime:
      previous !== undefined && previous.status === update.status
        ? previous.lastTransitionTime
        : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(update.observedGeneration === undefined
      ? {}
      : { observedGeneration: update.observedGeneration }),
  };

  if (index === -1) {
    list.push(next);
  } else {
    list[index] = next;
  }
  return list;
}

/** Returns the condition of the given type, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}
