import { IMAGE_SECURITY_POLICY, SIGNED_IMAGE } from '../api/group.js';
import type { ImageSecurityPolicy } from '../api/image-security-policy.js';
import type { SignedImage } from '../api/signed-image.js';
import { isOwnKind, validateManifest, withDefaults } from '../api/validate.js';
import type { ManifestDocument } from '../manifests/load.js';
import { renderPolicy, type Finding, type RenderResult } from '../render/index.js';

/** Findings of the offline checks for one resource of our kinds. */
export interface CheckedResource {
  readonly source: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly doc: Record<string, unknown>;
  readonly findings: Finding[];
  /** Set for a valid ImageSecurityPolicy. */
  readonly rendered?: RenderResult;
  readonly policy?: ImageSecurityPolicy;
}

/**
 * Runs every offline check on the resources of our kinds: the CRD schema and
 * CEL rules, rendering with Glance's semantics, and checks across resources
 * (a SignedImage naming a policy that is not in the set, two policies writing
 * the same ConfigMap). Documents of other kinds are ignored.
 */
export function checkManifests(
  documents: readonly ManifestDocument[],
  defaultNamespace: string,
): CheckedResource[] {
  const resources = documents
    .filter(({ doc }) => isOwnKind(doc))
    .map(({ source, doc }) => checkOne(source, doc, defaultNamespace));
  addCrossResourceFindings(resources);
  return resources;
}

function checkOne(
  source: string,
  manifest: Record<string, unknown>,
  defaultNamespace: string,
): CheckedResource {
  const doc = withDefaults(manifest);
  const metadata = (doc.metadata ?? {}) as { name?: string; namespace?: string };
  const base = {
    source,
    doc,
    kind: String(doc.kind),
    namespace: metadata.namespace ?? defaultNamespace,
    name: metadata.name ?? '<unnamed>',
  };

  const schemaFindings = validateManifest(doc);
  if (schemaFindings.length > 0 || doc.kind !== IMAGE_SECURITY_POLICY.kind) {
    return { ...base, findings: schemaFindings };
  }
  const policy = doc as unknown as ImageSecurityPolicy;
  const rendered = renderPolicy(policy.spec);
  return { ...base, findings: [...rendered.findings], rendered, policy };
}

function addCrossResourceFindings(resources: CheckedResource[]): void {
  const policies = resources.filter((r) => r.kind === IMAGE_SECURITY_POLICY.kind);
  const policyKeys = new Set(policies.map((p) => `${p.namespace}/${p.name}`));

  const writers = new Map<string, CheckedResource>();
  for (const policy of policies) {
    for (const configMap of [policy.rendered?.imageService, policy.rendered?.computeService]) {
      if (configMap === undefined) {
        continue;
      }
      const key = `${policy.namespace}/${configMap.name}`;
      const other = writers.get(key);
      if (other === undefined) {
        writers.set(key, policy);
        continue;
      }
      policy.findings.push({
        severity: 'Error',
        path: 'spec.targets',
        message: `ConfigMap "${configMap.name}" is also written by ImageSecurityPolicy "${other.name}" in namespace "${policy.namespace}"; give each policy its own configMapName`,
      });
    }
  }

  for (const resource of resources) {
    if (resource.kind !== SIGNED_IMAGE.kind || resource.findings.length > 0) {
      continue;
    }
    const policyName = (resource.doc as unknown as SignedImage).spec.policyRef.name;
    if (!policyKeys.has(`${resource.namespace}/${policyName}`)) {
      resource.findings.push({
        severity: 'Warning',
        path: 'spec.policyRef.name',
        message: `ImageSecurityPolicy "${policyName}" is not among the checked manifests in namespace "${resource.namespace}"; make sure it exists in the cluster, or add its manifest`,
      });
    }
  }
}
