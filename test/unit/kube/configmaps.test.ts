import { describe, expect, it } from '@jest/globals';
import { V1ConfigMap, V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { assertOwned, configMapUpdate } from '../../../src/kube/configmaps.js';
import { ReasonedError } from '../../../src/kube/errors.js';
import { buildConfigMap } from '../../../src/manifests/configmap.js';

const policy = { metadata: { name: 'glance', namespace: 'openstack', uid: 'uid-1' } };
const files = {
  name: 'glance-security',
  data: { 'policy.yaml': 'a: b\n', 'property-protections.conf': '[.*]\n' },
  contentHash: 'c1',
  restartHash: 'r1',
};

/** A live object as client-node returns it: class instances whose absent fields are undefined. */
function asLive(object: V1ConfigMap): V1ConfigMap {
  const live = Object.assign(new V1ConfigMap(), structuredClone(object));
  live.binaryData = undefined;
  live.metadata = Object.assign(new V1ObjectMeta(), live.metadata, { resourceVersion: '7' });
  live.metadata.ownerReferences = live.metadata.ownerReferences?.map((ref) =>
    Object.assign(new V1OwnerReference(), ref),
  );
  return live;
}

describe('configMapUpdate', () => {
  it('returns nothing for an identical live object', () => {
    const desired = buildConfigMap(policy, files);

    expect(configMapUpdate(asLive(desired), desired)).toBeUndefined();
  });

  it('ignores labels and annotations added by others', () => {
    const desired = buildConfigMap(policy, files);
    const live = asLive(desired);
    live.metadata!.labels = { ...live.metadata!.labels, team: 'storage' };
    live.metadata!.annotations = { ...live.metadata!.annotations, note: 'x' };

    expect(configMapUpdate(live, desired)).toBeUndefined();
  });

  it('restores edited data', () => {
    const desired = buildConfigMap(policy, files);
    const live = asLive(desired);
    live.data = { ...live.data, 'policy.yaml': 'edited: by hand\n' };
    const update = configMapUpdate(live, desired);

    expect(update?.data).toEqual(desired.data);
    expect(update?.metadata?.resourceVersion).toBe('7');
  });

  it('removes data keys added by hand', () => {
    const desired = buildConfigMap(policy, files);
    const live = asLive(desired);
    live.data = { ...live.data, extra: '1' };

    expect(configMapUpdate(live, desired)?.data).toEqual(desired.data);
  });

  it('updates a changed hash annotation and keeps others', () => {
    const desired = buildConfigMap(policy, { ...files, contentHash: 'c2' });
    const live = asLive(buildConfigMap(policy, files));
    live.metadata!.annotations = { ...live.metadata!.annotations, note: 'x' };
    const update = configMapUpdate(live, desired);

    expect(update?.metadata?.annotations?.['imagesecurity.xloud.io/content-hash']).toBe('c2');
    expect(update?.metadata?.annotations?.note).toBe('x');
  });

  it('restores a removed managed-by label', () => {
    const desired = buildConfigMap(policy, files);
    const live = asLive(desired);
    live.metadata!.labels = {};

    expect(configMapUpdate(live, desired)?.metadata?.labels).toEqual(desired.metadata?.labels);
  });

  it('drops binaryData', () => {
    const desired = buildConfigMap(policy, files);
    const live = asLive(desired);
    live.binaryData = { blob: 'AAAA' };
    const update = configMapUpdate(live, desired);

    expect(update).toBeDefined();
    expect(update?.binaryData).toBeUndefined();
  });

  it('keeps foreign owner references in place', () => {
    const desired = buildConfigMap(policy, files);
    const live = asLive(desired);
    const foreign = { apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'uid-2' };
    live.metadata!.ownerReferences = [
      Object.assign(new V1OwnerReference(), foreign),
      ...(live.metadata!.ownerReferences ?? []),
    ];

    expect(configMapUpdate(live, desired)).toBeUndefined();
  });
});

describe('assertOwned', () => {
  it('accepts the controller owner', () => {
    const live = asLive(buildConfigMap(policy, files));

    expect(() => assertOwned(live, 'uid-1', 'policy glance')).not.toThrow();
  });

  it('rejects a ConfigMap without owner', () => {
    const live = asLive(buildConfigMap({ metadata: { name: 'glance' } }, files));

    expect(() => assertOwned(live, 'uid-1', 'policy glance')).toThrow(ReasonedError);
    expect(() => assertOwned(live, 'uid-1', 'policy glance')).toThrow(/has no controller owner/);
  });

  it('rejects a ConfigMap of another policy', () => {
    const other = { metadata: { name: 'other', namespace: 'openstack', uid: 'uid-9' } };
    const live = asLive(buildConfigMap(other, files));
    let caught: unknown;
    try {
      assertOwned(live, 'uid-1', 'policy glance');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ReasonedError);
    expect((caught as ReasonedError).reason).toBe('ConfigMapConflict');
    expect((caught as ReasonedError).message).toContain('ImageSecurityPolicy other');
  });
});
