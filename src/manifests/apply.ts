import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';

/** Field manager for everything applied by our tools (demo, tests, install). */
export const APPLY_FIELD_MANAGER = 'image-security-operator-cli';

/**
 * Applies objects with server-side apply, in order, forcing ownership of the
 * fields they set. Used by the demo and the tests to install CRDs and examples.
 */
export async function applyObjects(
  kc: KubeConfig,
  objects: readonly KubernetesObject[],
): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const applied: KubernetesObject[] = [];
  for (const object of objects) {
    // The client serializes built-in kinds through its generated models, which
    // drop plain JSON keys they rename (a CRD schema's enum and default become
    // _enum and _default). loadYaml converts plain JSON into those models first.
    const typed = loadYaml<KubernetesObject>(JSON.stringify(object));
    applied.push(
      await client.patch(
        typed,
        undefined,
        undefined,
        APPLY_FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      ),
    );
  }
  return applied;
}

/** Waits until every named CRD reports Established, so its kind can be used at once. */
export async function waitForCrdsEstablished(
  kc: KubeConfig,
  names: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd: V1CustomResourceDefinition = await api.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      if (established === true) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `CustomResourceDefinition ${name} was not Established after ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
