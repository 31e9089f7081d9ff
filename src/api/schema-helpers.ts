import { Type, type TSchema, type TUnsafe, type SchemaOptions } from '@sinclair/typebox';

/**
 * A string restricted to fixed values. Rendered as a JSON Schema `enum`, which
 * is what a structural CRD schema accepts (TypeBox's literal unions become
 * `anyOf`, which the apiserver rejects for structural schemas).
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** A map from string keys to values of one schema, bounded in size. */
export function StringMap<T extends TSchema>(
  value: T,
  options: SchemaOptions & { maxProperties: number },
): TUnsafe<Record<string, T['static']>> {
  return Type.Unsafe<Record<string, T['static']>>({
    ...options,
    type: 'object',
    additionalProperties: value,
  });
}

/** An object whose fields the apiserver keeps as given (an embedded Kubernetes template). */
export function OpaqueObject(options: SchemaOptions = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    ...options,
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  });
}

/** A CEL rule checked by the apiserver (`x-kubernetes-validations`). */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
}

export function cel(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}
