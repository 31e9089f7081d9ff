import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { editDistance } from '../text/edit-distance.js';
import { API_VERSION, IMAGE_SECURITY_POLICY, SIGNED_IMAGE } from './group.js';
import { ImageSecurityPolicySpec } from './image-security-policy.js';
import type { CelRule } from './schema-helpers.js';
import { SignedImageSpec } from './signed-image.js';

/** A problem found in a manifest, located by its field path. */
export interface SchemaFinding {
  severity: 'Error';
  path: string;
  message: string;
}

const specSchemas: Record<string, TSchema> = {
  [IMAGE_SECURITY_POLICY.kind]: ImageSecurityPolicySpec,
  [SIGNED_IMAGE.kind]: SignedImageSpec,
};

/** Kinds this project defines; other documents in a manifest stream are skipped. */
export function isOwnKind(doc: { apiVersion?: unknown; kind?: unknown }): boolean {
  return typeof doc.kind === 'string' && doc.kind in specSchemas;
}

/**
 * Returns a copy of a manifest with the schema defaults filled in, as the
 * apiserver does before it validates (a missing propertyProtection.format
 * becomes "roles"). Documents of other kinds, or without a spec object, are
 * returned unchanged.
 */
export function withDefaults(doc: Record<string, unknown>): Record<string, unknown> {
  const schema = specSchemas[String(doc.kind)];
  if (schema === undefined || doc.spec === null || typeof doc.spec !== 'object') {
    return doc;
  }
  return { ...doc, spec: Value.Default(schema, structuredClone(doc.spec)) };
}

/**
 * Checks a manifest of one of our kinds the way the apiserver would: the
 * structural schema (with unknown fields reported, as strict field validation
 * does) and every CEL rule. Returns no findings for a valid manifest.
 */
export function validateManifest(doc: Record<string, unknown>): SchemaFinding[] {
  const kind = String(doc.kind);
  const schema = specSchemas[kind];
  if (schema === undefined) {
    return [
      error('kind', `unknown kind "${kind}"; expected ${Object.keys(specSchemas).join(' or ')}`),
    ];
  }
  if (doc.apiVersion !== API_VERSION) {
    return [error('apiVersion', `"${String(doc.apiVersion)}" is not served; use ${API_VERSION}`)];
  }
  const metadata = doc.metadata as { name?: unknown } | undefined;
  if (typeof metadata?.name !== 'string' || metadata.name === '') {
    return [error('metadata.name', 'missing; every resource needs a name')];
  }
  if (doc.spec === undefined) {
    return [error('spec', 'missing; the resource needs a spec')];
  }

  // TypeBox reports a missing required field twice (required, then the type
  // of the absent value), so only the first error per path is kept.
  const seen = new Set<string>();
  const findings: SchemaFinding[] = [];
  for (const e of Value.Errors(schema, doc.spec)) {
    const path = fieldPath('spec', e.path);
    if (!seen.has(path)) {
      seen.add(path);
      findings.push(error(path, describeSchemaError(e)));
    }
  }
  if (findings.length > 0) {
    return findings;
  }
  return checkCelRules(schema, doc.spec, 'spec');
}

/** Rewords TypeBox's messages for enums and unknown fields into actionable ones. */
function describeSchemaError(e: ValueError): string {
  const shown = e.value === undefined ? 'missing' : truncate(JSON.stringify(e.value));
  const choices = (e.schema.anyOf as { const?: unknown }[] | undefined)?.map((s) => s.const);
  if (choices !== undefined && choices.every((c) => typeof c === 'string')) {
    return `invalid value ${shown}: must be one of ${choices.join(', ')}`;
  }
  if (e.type === ValueErrorType.ObjectAdditionalProperties) {
    const suggestion = closestField(e);
    return suggestion === undefined
      ? 'unknown field: remove it or correct its spelling'
      : `unknown field: did you mean ${suggestion}?`;
  }
  if (e.type === ValueErrorType.ObjectRequiredProperty) {
    return 'missing: this field is required';
  }
  return `invalid value ${shown}: ${e.message}`;
}

/** Returns the known field of the object whose name is closest to the unknown one, if any is close. */
function closestField(e: ValueError): string | undefined {
  const unknown = e.path.split('/').pop() ?? '';
  const known = Object.keys((e.schema.properties as Record<string, unknown> | undefined) ?? {});
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(unknown.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) {
      best = { name, distance };
    }
  }
  return best?.name;
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Walks the schema and the value together and evaluates each CEL rule's TypeScript twin. */
function checkCelRules(schema: TSchema, value: unknown, path: string): SchemaFinding[] {
  if (value === null || typeof value !== 'object') {
    return [];
  }
  const findings: SchemaFinding[] = [];
  if (Array.isArray(value)) {
    const items = schema.items as TSchema | undefined;
    value.forEach((item, index) => {
      if (items !== undefined) {
        findings.push(...checkCelRules(items, item, `${path}[${index}]`));
      }
    });
    return findings;
  }

  const object = value as Record<string, unknown>;
  const rules = (schema['x-kubernetes-validations'] ?? []) as CelRule[];
  for (const rule of rules) {
    if (!rule.check(object)) {
      const at = rule.fieldPath === undefined ? path : `${path}${rule.fieldPath}`;
      findings.push(error(at, rule.message));
    }
  }
  const properties = (schema.properties ?? {}) as Record<string, TSchema>;
  for (const [name, child] of Object.entries(properties)) {
    findings.push(...checkCelRules(child, object[name], `${path}.${name}`));
  }
  return findings;
}

/** Converts a JSON pointer such as `/rules/0/pattern` to `spec.rules[0].pattern`. */
function fieldPath(root: string, pointer: string): string {
  let path = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  return path;
}

function error(path: string, message: string): SchemaFinding {
  return { severity: 'Error', path, message };
}
