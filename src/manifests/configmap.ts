import type { V1ConfigMap } from '@kubernetes/client-node';
import { ANNOTATION_PREFIX, API_VERSION, IMAGE_SECURITY_POLICY } from '../api/group.js';
import type { ObjectMeta } from '../api/common.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'image-security-operator';
export const POLICY_LABEL = `${ANNOTATION_PREFIX}/policy`;
export const CONTENT_HASH_ANNOTATION = `${ANNOTATION_PREFIX}/content-hash`;
export const RESTART_HASH_ANNOTATION = `${ANNOTATION_PREFIX}/restart-hash`;

/** The rendered files of one ConfigMap, as the renderer returns them. */
export interface RenderedFiles {
  name: string;
  data: Record<string, string>;
  contentHash: string;
  restartHash: string;
}

/**
 * Builds the ConfigMap the operator writes for a policy: the rendered files,
 * the labels that map it back to its policy, the content hash, and an owner
 * reference so it is garbage-collected with the policy. Keys are sorted so the
 * object is the same for the same files.
 */
export function buildConfigMap(
  policy: { metadata: ObjectMeta },
  files: RenderedFiles,
): V1ConfigMap {
  const data: Record<string, string> = {};
  for (const key of Object.keys(files.data).sort()) {
    data[key] = files.data[key] as string;
  }

  const ownerReferences =
    policy.metadata.uid === undefined
      ? undefined
      : [
          {
            apiVersion: API_VERSION,
            kind: IMAGE_SECURITY_POLICY.kind,
            name: policy.metadata.name,
            uid: policy.metadata.uid,
            // No blockOwnerDeletion, which under the OwnerReferencesPermissionEnforcement
            // admission plugin would need `update` on imagesecuritypolicies/finalizers.
            controller: true,
          },
        ];

  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: files.name,
      ...(policy.metadata.namespace === undefined ? {} : { namespace: policy.metadata.namespace }),
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [POLICY_LABEL]: policy.metadata.name },
      annotations: {
        [CONTENT_HASH_ANNOTATION]: files.contentHash,
        [RESTART_HASH_ANNOTATION]: files.restartHash,
      },
      ...(ownerReferences === undefined ? {} : { ownerReferences }),
    },
    data,
  };
}
