// metadata.managedFields as upstream encodes it (apimachinery's managedfields internals): one entry per
// manager, operation (Apply/Update), version and subresource, its field set as FieldsV1, the time of its
// last change; entries sorted by operation, time, manager, apiVersion, subresource. Managers are identified
// inside by the JSON of their entry without set, time and (for appliers) version. Also the 409 an apply
// conflict answers, worded as upstream's.
import { failure, type Status } from '../api/status';
import { FieldSet } from './fieldset';
import { pathString, type Path } from './pathelement';
import type { Conflict, ManagedFields, VersionedSet } from './updater';
import { compareStrings } from './value';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

/** Managers, what they own, and when each last changed something. */
export interface Managed {
  readonly fields: ManagedFields;
  readonly times: Map<string, string | undefined>;
}

export const emptyManaged = (): Managed => ({ fields: new Map(), times: new Map() });

/** The identifier of a manager (upstream's BuildManagerIdentifier). */
export function managerIdentifier(e: { manager?: string; operation?: string; apiVersion?: string; subresource?: string }): string {
  const id: ManagedFieldsEntry = {};
  if (e.manager) id.manager = e.manager;
  if (e.operation) id.operation = e.operation;
  if (e.apiVersion && e.operation !== 'Apply') id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return JSON.stringify(id);
}

interface Decoded {
  readonly id: string;
  readonly vs: VersionedSet;
  readonly time?: string;
}

// Stored objects are never mutated: their entries are decoded once.
const decodedEntries = new WeakMap<object, Decoded>();
// The FieldsV1 a set was read from or written as, reused when it is written again unchanged.
const encodedSets = new WeakMap<FieldSet, Record<string, unknown>>();

function decodeEntry(e: unknown, i: number, stored: boolean): Decoded {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new Error(`managed fields entry ${i} is not an object`);
  const hit = decodedEntries.get(e);
  if (hit) return hit;
  const entry = e as ManagedFieldsEntry;
  if (entry.operation !== 'Apply' && entry.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
  if (typeof entry.apiVersion !== 'string' || !entry.apiVersion) throw new Error('apiVersion must not be empty');
  if (entry.fieldsType === undefined || entry.fieldsType === '') throw new Error(`missing fieldsType in managed fields entry ${i}`);
  if (entry.fieldsType !== 'FieldsV1')
    throw new Error(`invalid fieldsType ${JSON.stringify(entry.fieldsType)} in managed fields entry ${i}`);
  for (const k of ['manager', 'subresource', 'time'] as const)
    if (entry[k] !== undefined && typeof entry[k] !== 'string') throw new Error(`managed fields entry ${i}: ${k} must be a string`);
  let set: FieldSet;
  try {
    set = FieldSet.fromFieldsV1(entry.fieldsV1);
  } catch (err) {
    throw new Error(`error decoding versioned set from managed fields entry ${i}: error decoding set: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // what this server wrote is canonical: written again as it is; a client's is written anew
  if (stored && entry.fieldsV1 && typeof entry.fieldsV1 === 'object') encodedSets.set(set, entry.fieldsV1 as Record<string, unknown>);
  const d: Decoded = {
    id: managerIdentifier(entry),
    vs: { set, apiVersion: entry.apiVersion, applied: entry.operation === 'Apply' },
    time: entry.time,
  };
  decodedEntries.set(e, d);
  return d;
}

/**
 * Decode managedFields (upstream's DecodeManagedFields); throws on an invalid entry. `stored`: they come
 * from a stored object (this server wrote them).
 */
export function decodeManagedFields(entries: unknown, stored = false): Managed {
  const m = emptyManaged();
  if (entries === undefined || entries === null) return m;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  entries.forEach((e, i) => {
    const d = decodeEntry(e, i, stored);
    m.fields.set(d.id, d.vs);
    m.times.set(d.id, d.time);
  });
  return m;
}

/** `managedFields: []` or `[{}]`: the client asks to stop tracking (upstream's isResetManagedFields). */
export function isResetManagedFields(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && entries[0] !== null && typeof entries[0] === 'object' && Object.keys(entries[0] as object).length === 0;
}

const unix = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);

/** Encode managedFields (sorted as upstream); undefined when no manager owns anything. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] | undefined {
  if (!m.fields.size) return undefined;
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    const ident = JSON.parse(id) as ManagedFieldsEntry;
    let fieldsV1 = encodedSets.get(vs.set);
    if (!fieldsV1) {
      fieldsV1 = vs.set.toFieldsV1();
      encodedSets.set(vs.set, fieldsV1);
    }
    const e: ManagedFieldsEntry = {
      manager: ident.manager,
      operation: vs.applied ? 'Apply' : (ident.operation ?? 'Update'),
      apiVersion: vs.apiVersion,
    };
    if (!e.manager) delete e.manager;
    const time = m.times.get(id);
    if (time) e.time = time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = fieldsV1;
    if (ident.subresource) e.subresource = ident.subresource;
    out.push(e);
  }
  const s = (x: string | undefined) => x ?? '';
  return out.sort(
    (p, q) =>
      compareStrings(s(p.operation), s(q.operation)) ||
      unix(p.time) - unix(q.time) ||
      compareStrings(s(p.manager), s(q.manager)) ||
      compareStrings(s(p.apiVersion), s(q.apiVersion)) ||
      compareStrings(s(p.subresource), s(q.subresource)),
  );
}

/** How a manager shows in a conflict: `"kubectl" with subresource "status" using apps/v1`. */
export function printManager(id: string): string {
  let e: ManagedFieldsEntry;
  try {
    e = JSON.parse(id) as ManagedFieldsEntry;
  } catch {
    return JSON.stringify(id);
  }
  let s = JSON.stringify(e.manager ?? '');
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += e.time ? ` using ${e.apiVersion} at ${e.time}` : ` using ${e.apiVersion}`;
  return s;
}

/** The 409 Conflict of an apply (upstream's NewConflictError), conflicts grouped by manager. */
export function conflictStatus(conflicts: readonly Conflict[]): Status {
  const sorted = [...conflicts].sort((a, b) => compareStrings(a.manager, b.manager));
  const causes = sorted.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (sorted.length === 1)
    message = `Apply failed with 1 conflict: conflict with ${printManager(sorted[0].manager)}: ${pathString(sorted[0].path)}`;
  else {
    const byManager = new Map<string, Path[]>();
    for (const c of sorted) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path]);
    const lines: string[] = [];
    for (const [manager, paths] of byManager) {
      lines.push(`conflicts with ${printManager(manager)}:`);
      for (const p of paths) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`;
  }
  return failure(409, 'Conflict', message, { causes });
}
