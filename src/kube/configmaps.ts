import { isDeepStrictEqual } from 'node:util';
import type { CoreV1Api, V1ConfigMap, V1OwnerReference } from '@kubernetes/client-node';
import { isApiError, ReasonedError } from './errors.js';

export const CONFIG_MAP_CONFLICT = 'ConfigMapConflict';

/** Outcome of {@link applyConfigMap}. */
export type ConfigMapWrite = 'Created' | 'Updated' | 'Unchanged';

/**
 * Returns the object to write so that `live` matches `desired`, or undefined
 * when it already does. `data` must match exactly, since any other key would
 * be a file the service reads. Labels, annotations and owner references set
 * by others are kept; only the desired entries must be present and equal.
 */
export function configMapUpdate(live: V1ConfigMap, desired: V1ConfigMap): V1ConfigMap | undefined {
  const labels = { ...live.metadata?.labels, ...desired.metadata?.labels };
  const annotations = { ...live.metadata?.annotations, ...desired.metadata?.annotations };
  const ownerReferences = mergeOwnerReferences(
    live.metadata?.ownerReferences ?? [],
    desired.metadata?.ownerReferences ?? [],
  );
  const data = desired.data ?? {};

  const same =
    sameJson(live.data ?? {}, data) &&
    live.binaryData === undefined &&
    sameJson(live.metadata?.labels ?? {}, labels) &&
    sameJson(live.metadata?.annotations ?? {}, annotations) &&
    sameJson(live.metadata?.ownerReferences ?? [], ownerReferences);
  if (same) {
    return undefined;
  }

  const update: V1ConfigMap = {
    ...live,
    metadata: { ...live.metadata, labels, annotations, ownerReferences },
    data,
  };
  delete update.binaryData;
  return update;
}

/**
 * Throws ConfigMapConflict unless `live` has a controller owner reference
 * with `ownerUid`. The operator never takes over a ConfigMap it did not
 * create, because another tool or policy would fight over its content.
 */
export function assertOwned(live: V1ConfigMap, ownerUid: string, ownerDescription: string): void {
  const controller = live.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  if (controller?.uid === ownerUid) {
    return;
  }
  const holder =
    controller === undefined
      ? 'has no controller owner'
      : `is controlled by ${controller.kind} ${controller.name}`;
  throw new ReasonedError(
    CONFIG_MAP_CONFLICT,
    `ConfigMap ${live.metadata?.namespace}/${live.metadata?.name} already exists and ${holder}, ` +
      `so ${ownerDescription} will not overwrite it. Rename spec.targets.*.configMapName ` +
      'or delete the existing ConfigMap.',
  );
}

/**
 * Creates or updates a ConfigMap so it matches `desired`, writing only when
 * something differs. The live object is read first (a GET, not a write). An
 * update carries the live resourceVersion, so a concurrent change fails with
 * 409 and the caller retries on fresh data.
 */
export async function applyConfigMap(
  api: CoreV1Api,
  desired: V1ConfigMap,
  ownerUid: string,
  ownerDescription: string,
): Promise<ConfigMapWrite> {
  const name = desired.metadata?.name ?? '';
  const namespace = desired.metadata?.namespace ?? '';

  let live: V1ConfigMap;
  try {
    live = await api.readNamespacedConfigMap({ name, namespace });
  } catch (error) {
    if (!isApiError(error, 404)) {
      throw error;
    }
    await api.createNamespacedConfigMap({ namespace, body: desired });
    return 'Created';
  }

  assertOwned(live, ownerUid, ownerDescription);
  const update = configMapUpdate(live, desired);
  if (update === undefined) {
    return 'Unchanged';
  }
  await api.replaceNamespacedConfigMap({ name, namespace, body: update });
  return 'Updated';
}

function mergeOwnerReferences(
  live: readonly V1OwnerReference[],
  desired: readonly V1OwnerReference[],
): V1OwnerReference[] {
  const desiredByUid = new Map(desired.map((ref) => [ref.uid, ref]));
  const liveUids = new Set(live.map((ref) => ref.uid));
  return [
    ...live.map((ref) => desiredByUid.get(ref.uid) ?? ref),
    ...desired.filter((ref) => !liveUids.has(ref.uid)),
  ];
}

/**
 * Compares two API values as JSON. Objects read through client-node are class
 * instances with undefined fields, which a structural comparison would treat
 * as different from the plain objects the operator builds.
 */
function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(
    JSON.parse(JSON.stringify(a ?? null)),
    JSON.parse(JSON.stringify(b ?? null)),
  );
}
