import type { SignedImageSpec } from '../../api/signed-image.js';
import type { GlanceImage, ImagePatchOperation } from '../../openstack/index.js';
import { PROPERTY } from '../../signature/properties.js';

/** Image fields the operator keeps as declared, by Glance property name. */
export type DesiredProperties = Readonly<Record<string, string>>;

/** Builds the properties a SignedImage declares, given the certificate's Barbican secret id. */
export function desiredProperties(
  spec: SignedImageSpec,
  certificateSecretId: string,
): DesiredProperties {
  return {
    [PROPERTY.signature]: spec.signature.value,
    [PROPERTY.certificateUuid]: certificateSecretId,
    [PROPERTY.hashMethod]: spec.signature.hashMethod,
    [PROPERTY.keyType]: spec.signature.keyType,
    ...(spec.visibility === undefined ? {} : { visibility: spec.visibility }),
  };
}

/**
 * Returns the JSON patch that makes `image` carry `desired`: `add` for a
 * missing property, `replace` for a different value, nothing for an equal
 * one. Properties the image has beyond `desired` are left alone.
 */
export function propertyPatch(
  image: Pick<GlanceImage, string>,
  desired: DesiredProperties,
): ImagePatchOperation[] {
  const operations: ImagePatchOperation[] = [];
  for (const name of Object.keys(desired).sort()) {
    const value = desired[name];
    const current = image[name];
    if (value === undefined || current === value) {
      continue;
    }
    const op = current === undefined || current === null ? 'add' : 'replace';
    operations.push({ op, path: `/${name}`, value });
  }
  return operations;
}

/** Names of the properties a patch changes, for Events and logs. */
export function changedNames(operations: readonly ImagePatchOperation[]): string[] {
  return operations.map((operation) => operation.path.slice(1));
}
