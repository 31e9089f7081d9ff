import { Type, type SchemaOptions, type TSchema } from '@sinclair/typebox';

/**
 * A string restricted to fixed values. TypeBox represents it as a union of
 * literals, which it can check offline; the CRD generator turns that `anyOf`
 * into the `enum` a structural schema needs.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  ) as unknown as ReturnType<typeof Type.Unsafe<T[number]>>;
}

/** A map from string keys to values of one schema, bounded in size. */
export function StringMap<T extends TSchema>(
  value: T,
  options: SchemaOptions & { maxProperties: number },
) {
  return Type.Record(Type.String(), value, options);
}

/** An object whose fields the apiserver keeps as given (an embedded Kubernetes template). */
export function OpaqueObject(options: SchemaOptions = {}) {
  return Type.Object(
    {},
    { ...options, additionalProperties: true, 'x-kubernetes-preserve-unknown-fields': true },
  );
}

/**
 * A CEL rule checked by the apiserver (`x-kubernetes-validations`). `check`
 * is the same rule in TypeScript for the offline validator; being a function,
 * it is dropped when the schema is serialized into the CRD.
 */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
  readonly check: (self: Record<string, unknown>) => boolean;
}

/** Tells whether a field is present, as CEL's `has()` does. */
export function has(self: Record<string, unknown>, field: string): boolean {
  return self[field] !== undefined;
}

export function cel(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}
