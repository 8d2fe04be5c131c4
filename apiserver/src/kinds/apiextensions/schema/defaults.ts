// Structural defaulting, as upstream's: a property absent from an object (or null where the schema does
// not allow null) takes a copy of its schema's `default`, at every depth (properties, additionalProperties,
// items). Custom resources are defaulted on every write and when read from storage.
import { clone } from '../../../registry/objects';
import { isObject, type Props } from './paths';

const nonNullableNull = (v: unknown, s: Props | undefined) => v === null && !!s && !s.nullable;

/** Fill in the defaults of `schema` in `value` (mutated). */
export function applyDefaults(schema: Props, value: unknown): void {
  if (Array.isArray(value)) {
    const items = isObject(schema.items) ? (schema.items as Props) : undefined;
    if (!items) return;
    for (let i = 0; i < value.length; i++) {
      if (nonNullableNull(value[i], items) && items.default !== undefined) value[i] = clone(items.default);
      applyDefaults(items, value[i]);
    }
    return;
  }
  if (!isObject(value)) return;
  const props = schema.properties ?? {};
  for (const [k, prop] of Object.entries(props)) {
    if (prop.default === undefined) continue;
    if (!Object.hasOwn(value, k) || nonNullableNull(value[k], prop)) value[k] = clone(prop.default);
  }
  const extra = isObject(schema.additionalProperties) ? (schema.additionalProperties as Props) : undefined;
  for (const k of Object.keys(value)) {
    if (Object.hasOwn(props, k)) applyDefaults(props[k], value[k]);
    else if (extra) {
      if (nonNullableNull(value[k], extra) && extra.default !== undefined) value[k] = clone(extra.default);
      applyDefaults(extra, value[k]);
    }
  }
}

/** Does `schema` declare any default? */
export function hasDefaults(schema: Props | undefined): boolean {
  if (!schema) return false;
  if (schema.default !== undefined) return true;
  if (Object.values(schema.properties ?? {}).some(hasDefaults)) return true;
  return (isObject(schema.items) && hasDefaults(schema.items as Props)) || (isObject(schema.additionalProperties) && hasDefaults(schema.additionalProperties as Props));
}

/**
 * `value` without the fields `schema` does not specify (upstream's pruning; x-kubernetes-preserve-unknown-fields
 * keeps them, x-kubernetes-embedded-resource keeps apiVersion, kind and metadata). A copy.
 */
export function pruned(schema: Props, value: unknown, embedded = false): unknown {
  if (Array.isArray(value)) return isObject(schema.items) ? value.map((x) => pruned(schema.items as Props, x)) : value;
  if (!isObject(value)) return value;
  const props = schema.properties ?? {};
  const extra = isObject(schema.additionalProperties) ? (schema.additionalProperties as Props) : undefined;
  const keepAll = schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (Object.hasOwn(props, k)) out[k] = pruned(props[k], v, props[k]['x-kubernetes-embedded-resource'] === true);
    else if (extra) out[k] = pruned(extra, v, extra['x-kubernetes-embedded-resource'] === true);
    else if (keepAll || ((embedded || schema['x-kubernetes-embedded-resource']) && (k === 'apiVersion' || k === 'kind' || k === 'metadata'))) out[k] = v;
  }
  return out;
}
