import { Type, type TSchema } from '@sinclair/typebox';
import { CATEGORY, GROUP, IMAGE_SECURITY_POLICY, SIGNED_IMAGE, VERSION, type ResourceNames } from './group.js';
import { ImageSecurityPolicySpec, ImageSecurityPolicyStatus } from './image-security-policy.js';
import { SignedImageSpec, SignedImageStatus } from './signed-image.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/**
 * Converts a TypeBox schema to a structural CRD schema: plain JSON without
 * TypeBox's symbol keys; unions of string literals become `enum`; records
 * become `additionalProperties`; boolean `additionalProperties` is dropped,
 * because the apiserver rejects it beside `properties` and prunes unknown
 * fields itself. The offline validator keeps using the TypeBox schema, so
 * unknown fields are still reported there.
 */
function plainSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) => {
    if (key === 'additionalProperties' && typeof value === 'boolean') {
      return undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return value;
    }
    return structural(value as Record<string, unknown>);
  }) as Record<string, unknown>;
}

function structural(node: Record<string, unknown>): Record<string, unknown> {
  const { anyOf, patternProperties, ...rest } = node;
  if (Array.isArray(anyOf) && anyOf.every((s) => typeof (s as { const?: unknown }).const === 'string')) {
    return { ...rest, type: 'string', enum: anyOf.map((s) => (s as { const: string }).const) };
  }
  if (patternProperties !== null && typeof patternProperties === 'object') {
    const [valueSchema] = Object.values(patternProperties as Record<string, unknown>);
    return { ...rest, additionalProperties: valueSchema };
  }
  return node;
}

function resourceSchema(description: string, spec: TSchema, status: TSchema): TSchema {
  return Type.Object(
    {
      apiVersion: Type.Optional(Type.String()),
      kind: Type.Optional(Type.String()),
      metadata: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object' })),
      spec,
      status: Type.Optional(status),
    },
    { description },
  );
}

function customResourceDefinition(
  names: ResourceNames,
  schema: TSchema,
  columns: PrinterColumn[],
): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: plainSchema(schema) },
        },
      ],
    },
  };
}

const readyColumns: PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
];

export const imageSecurityPolicyCrd = customResourceDefinition(
  IMAGE_SECURITY_POLICY,
  resourceSchema(
    'Declared security of an OpenStack image service: property protections, policy.yaml ' +
      'overrides, compute signature enforcement and the workloads that read them.',
    ImageSecurityPolicySpec,
    ImageSecurityPolicyStatus,
  ),
  [
    ...readyColumns,
    { name: 'ConfigMap', type: 'string', jsonPath: '.spec.targets.imageService.configMapName' },
    { name: 'Hash', type: 'string', jsonPath: '.status.contentHash', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
);

export const signedImageCrd = customResourceDefinition(
  SIGNED_IMAGE,
  resourceSchema(
    'A Glance image that must carry a valid signature, verified over its data by the operator.',
    SignedImageSpec,
    SignedImageStatus,
  ),
  [
    { name: 'Image', type: 'string', jsonPath: '.status.imageId' },
    ...readyColumns,
    { name: 'Action', type: 'string', jsonPath: '.spec.onFailure', priority: 1 },
    { name: 'Verified', type: 'date', jsonPath: '.status.lastVerified' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
);

export const customResourceDefinitions = [imageSecurityPolicyCrd, signedImageCrd];
