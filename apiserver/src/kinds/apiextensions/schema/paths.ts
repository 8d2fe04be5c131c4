// Field paths as upstream's field.Path prints them (`spec.versions[0].schema`, map keys as `[key]`), and
// the JSONSchemaProps of a CustomResourceDefinition as JSON.
import type { Schema } from '@minik8s/shared/openapi';

/** A CustomResourceDefinition's openAPIV3Schema node (upstream's JSONSchemaProps) as JSON. */
export type Props = Schema;

export const child = (path: string, name: string) => (path ? `${path}.${name}` : name);
export const key = (path: string, k: string) => `${path}[${k}]`;
export const index = (path: string, i: number) => `${path}[${i}]`;

export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The JSON type name of a value, as upstream's validators name them. */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}
