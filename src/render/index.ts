/**
 * Pure rendering of an ImageSecurityPolicy spec into ConfigMap files plus
 * findings. No I/O: the same spec always gives the same bytes and hashes.
 */
import type { ImageSecurityPolicySpec } from '../api/image-security-policy.js';
import {
  GLANCE_API_FRAGMENT_KEY,
  NOVA_SIGNATURE_KEY,
  POLICY_YAML_KEY,
  PROPERTY_PROTECTIONS_KEY,
} from './files.js';
import { error, hasErrors, type Finding } from './findings.js';
import { dataBytes, hashData, hashParts } from './hash.js';
import { MAX_CONFIGMAP_DATA_BYTES } from './limits.js';
import { checkComputeVerification, renderNovaSignatureConf } from './nova-conf.js';
import { checkPolicyRules, renderPolicyYaml } from './policy-yaml.js';
import { checkPropertyProtection, protectionSections } from './protection-rules.js';
import { OPERATIONS } from './protection-values.js';
import { renderGlanceApiFragment, renderPropertyProtections } from './property-protections.js';

export { hasErrors, type Finding } from './findings.js';
export {
  GLANCE_API_FRAGMENT_KEY,
  NOVA_SIGNATURE_KEY,
  POLICY_YAML_KEY,
  PROPERTY_PROTECTION_FILE_PATH,
  PROPERTY_PROTECTIONS_KEY,
} from './files.js';
export { MAX_CONFIGMAP_DATA_BYTES } from './limits.js';

export interface RenderedConfigMap {
  /** The target configMapName. */
  name: string;
  /** File name to content. */
  data: Record<string, string>;
  /** SHA-256 hex of all data in sorted key order; changes on any byte change. */
  contentHash: string;
  /** SHA-256 hex of only what needs a workload restart to take effect. */
  restartHash: string;
}

export interface RenderResult {
  /** Errors and warnings, in spec order. */
  findings: Finding[];
  /** Set only when there are no Error findings. */
  imageService?: RenderedConfigMap;
  /** Set only when there are no Error findings and spec.targets.computeService is set. */
  computeService?: RenderedConfigMap;
}

/** Checks the spec and, when it has no errors, renders the ConfigMaps. */
export function renderPolicy(spec: ImageSecurityPolicySpec): RenderResult {
  const protection = spec.propertyProtection;
  const policyRules = spec.policy?.rules ?? {};
  const customRuleNames = new Set(
    protection.format === 'policies'
      ? protectionSections(protection).flatMap((section) =>
          OPERATIONS.flatMap((operation) => section.lists[operation]),
        )
      : [],
  );

  const findings: Finding[] = [
    ...checkPropertyProtection(protection, new Set(Object.keys(policyRules))),
    ...checkPolicyRules(policyRules, customRuleNames),
    ...checkComputeVerification(spec.computeSignatureVerification),
  ];
  if (hasErrors({ findings })) {
    return { findings };
  }

  const imageService = renderImageService(spec);
  const computeTarget = spec.targets.computeService;
  const computeService =
    computeTarget === undefined
      ? undefined
      : withHashes(computeTarget.configMapName, {
          [NOVA_SIGNATURE_KEY]: renderNovaSignatureConf(spec.computeSignatureVerification),
        });

  findings.push(...checkSize('spec.targets.imageService', imageService));
  if (computeService !== undefined) {
    findings.push(...checkSize('spec.targets.computeService', computeService));
  }
  if (hasErrors({ findings })) {
    return { findings };
  }
  return computeService === undefined
    ? { findings, imageService }
    : { findings, imageService, computeService };
}

/**
 * Renders the Glance files. Glance re-reads policy.yaml and the values inside
 * existing property-protections sections live, but reads the section list and
 * the glance-api.conf options only at start, so those enter restartHash.
 * The set of policy rule names enters it too: Glance 25 merges a re-read
 * policy.yaml into its enforcer without overwriting (glance/api/policy.py), so
 * a removed rule stays in force until a restart. Adding a rule restarts too,
 * because the hash cannot tell the two apart.
 */
function renderImageService(spec: ImageSecurityPolicySpec): RenderedConfigMap {
  const protection = spec.propertyProtection;
  const sections = protectionSections(protection);
  const fragment = renderGlanceApiFragment(protection.format);
  const data = {
    [PROPERTY_PROTECTIONS_KEY]: renderPropertyProtections(sections, protection.format),
    [POLICY_YAML_KEY]: renderPolicyYaml(spec.policy?.rules ?? {}),
    [GLANCE_API_FRAGMENT_KEY]: fragment,
  };
  const restartHash = hashParts([
    protection.format,
    sections.map((section) => section.name),
    fragment,
    Object.keys(spec.policy?.rules ?? {}).sort(),
  ]);
  return {
    name: spec.targets.imageService.configMapName,
    data,
    contentHash: hashData(data),
    restartHash,
  };
}

/** Builds a ConfigMap whose every change needs a restart, as for Nova, which never reloads. */
function withHashes(name: string, data: Record<string, string>): RenderedConfigMap {
  const contentHash = hashData(data);
  return { name, data, contentHash, restartHash: contentHash };
}

function checkSize(path: string, configMap: RenderedConfigMap): Finding[] {
  const bytes = dataBytes(configMap.data);
  if (bytes <= MAX_CONFIGMAP_DATA_BYTES) {
    return [];
  }
  return [
    error(
      path,
      `ConfigMap "${configMap.name}" would hold ${bytes} bytes of data, above the limit of ${MAX_CONFIGMAP_DATA_BYTES} that keeps it under the 1 MiB Kubernetes maximum; shorten or merge rules`,
    ),
  ];
}
