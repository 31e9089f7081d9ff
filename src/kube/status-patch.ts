import { isDeepStrictEqual } from 'node:util';

/**
 * Returns the merge patch that turns `live` into `desired`, or undefined when
 * they are equal, so a reconcile that changes nothing writes nothing. A field
 * of `live` missing from `desired` is set to null, which a merge patch reads
 * as "remove".
 */
export function statusPatch(
  live: object | undefined,
  desired: object,
): Record<string, unknown> | undefined {
  const livePlain = toPlain(live ?? {});
  const desiredPlain = toPlain(desired);
  if (isDeepStrictEqual(livePlain, desiredPlain)) {
    return undefined;
  }
  const patch: Record<string, unknown> = { ...desiredPlain };
  for (const key of Object.keys(livePlain)) {
    if (!(key in desiredPlain)) {
      patch[key] = null;
    }
  }
  return patch;
}

/** Drops undefined fields and class prototypes, so objects from the API compare with built ones. */
function toPlain(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
