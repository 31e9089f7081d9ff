/** API group, version and names shared by the CRDs, the controllers and the CLI. */
export const GROUP = 'imagesecurity.xloud.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'imagesecurity';

export interface ResourceNames {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
}

export const IMAGE_SECURITY_POLICY: ResourceNames = {
  kind: 'ImageSecurityPolicy',
  plural: 'imagesecuritypolicies',
  singular: 'imagesecuritypolicy',
  shortNames: ['isp', 'imgpol'],
};

export const SIGNED_IMAGE: ResourceNames = {
  kind: 'SignedImage',
  plural: 'signedimages',
  singular: 'signedimage',
  shortNames: ['si', 'sigimg'],
};

/** Prefix of every label and annotation the operator writes. */
export const ANNOTATION_PREFIX = GROUP;
