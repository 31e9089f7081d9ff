import type { BarbicanClient } from '../../openstack/index.js';

/** Most payloads kept per Barbican client. */
const MAX_PAYLOADS = 256;

const payloads = new WeakMap<BarbicanClient, Map<string, Buffer>>();

/**
 * Fetches a Barbican secret payload once per client. Barbican never changes
 * a payload once stored, so a cached copy stays correct. Whether the secret
 * still exists is checked separately, with a metadata GET.
 */
export async function cachedPayload(barbican: BarbicanClient, id: string): Promise<Buffer> {
  let byId = payloads.get(barbican);
  if (byId === undefined) {
    byId = new Map();
    payloads.set(barbican, byId);
  }
  const cached = byId.get(id);
  if (cached !== undefined) {
    return cached;
  }
  const payload = await barbican.getPayload(id);
  if (byId.size >= MAX_PAYLOADS) {
    const oldest = byId.keys().next().value;
    if (oldest !== undefined) {
      byId.delete(oldest);
    }
  }
  byId.set(id, payload);
  return payload;
}
