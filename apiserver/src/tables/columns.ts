// Column definitions and cells the kinds' printers share, after upstream's printers.go (v1.32).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { since } from './format';
import type { ColumnDefinition, TablePrinter } from './types';

const DESCRIPTIONS: Record<string, string> = {
  Name: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  Age: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

export function col(name: string, opts: { type?: string; format?: string; priority?: number; description?: string } = {}): ColumnDefinition {
  return {
    name,
    type: opts.type ?? 'string',
    format: opts.format ?? (name === 'Name' ? 'name' : ''),
    description: opts.description ?? DESCRIPTIONS[name] ?? `${name} of the object.`,
    priority: opts.priority ?? 0,
  };
}
export const wide = (name: string, description?: string) => col(name, { priority: 1, description });
export const int = (name: string, description?: string) => col(name, { type: 'integer', description });
export const NAME = col('Name');
export const AGE = col('Age');
export const NAME_DESCRIPTION = DESCRIPTIONS.Name;

export const nameOf = (o: any): string => o.metadata?.name ?? '';
export const ageOf = (o: any, now: number): string => since(o.metadata?.creationTimestamp, now);
export const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** rest.NewDefaultTableConvertor: Name and Created At, for kinds without a printer. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME, col('Created At', { type: 'date', description: DESCRIPTIONS.Age })],
  cells: (o) => [nameOf(o), o.metadata?.creationTimestamp ?? ''],
};
