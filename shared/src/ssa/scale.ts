// managedFields across the scale subresource (apimachinery's managedfields.ScaleHandler): the parent's
// managers that own its replicas field become the Scale's owners of `.spec.replicas` (autoscaling/v1), the
// Scale's field manager records the write, and the result goes back: parent managers that lost replicas
// lose it in the parent, Scale managers that own it own the parent's replicas field.
import { FieldSet } from './fieldset';
import { fieldElement, type Path } from './pathelement';
import { decodeManagedFields, encodeManagedFields, type Managed, type ManagedFieldsEntry } from './managedfields';

export const SCALE_API_VERSION = 'autoscaling/v1';
const REPLICAS_IN_SCALE: Path = [fieldElement('spec'), fieldElement('replicas')];

/** The replicas field of the parent at a version (undefined: that version has none). */
export type ReplicasPath = (apiVersion: string) => Path | undefined;

function decodeOrEmpty(entries: unknown): Managed {
  try {
    return decodeManagedFields(entries, true);
  } catch {
    return { fields: new Map(), times: new Map() };
  }
}

/** The Scale's managedFields: who owns the parent's replicas. */
export function scaleManagedFields(parentEntries: unknown, replicasAt: ReplicasPath): ManagedFieldsEntry[] | undefined {
  const parent = decodeOrEmpty(parentEntries);
  const out: Managed = { fields: new Map(), times: new Map() };
  for (const [id, vs] of parent.fields) {
    const path = replicasAt(vs.apiVersion);
    if (!path || !vs.set.has(path)) continue;
    out.fields.set(id, { set: FieldSet.of(REPLICAS_IN_SCALE), apiVersion: SCALE_API_VERSION, applied: vs.applied });
    out.times.set(id, parent.times.get(id));
  }
  return encodeManagedFields(out);
}

/** The parent's managedFields after a Scale write whose result is `scaleEntries` (the parent at `parentVersion`). */
export function parentManagedFields(
  parentEntries: unknown,
  scaleEntries: unknown,
  parentVersion: string,
  replicasAt: ReplicasPath,
): ManagedFieldsEntry[] | undefined {
  const parent = decodeOrEmpty(parentEntries);
  const scale = decodeOrEmpty(scaleEntries);
  const out: Managed = { fields: new Map(), times: new Map() };
  for (const [id, vs] of parent.fields) {
    const path = replicasAt(vs.apiVersion);
    const inScale = scale.fields.get(id)?.set.has(REPLICAS_IN_SCALE) ?? false;
    scale.fields.delete(id);
    let set = vs.set;
    if (path && set.has(path) && !inScale) set = set.difference(FieldSet.of(path));
    else if (path && !set.has(path) && inScale) set = set.union(FieldSet.of(path));
    if (set.empty()) continue;
    out.fields.set(id, set === vs.set ? vs : { ...vs, set });
    out.times.set(id, parent.times.get(id));
  }
  const own = replicasAt(parentVersion);
  for (const [id, vs] of scale.fields) {
    if (!own || !vs.set.has(REPLICAS_IN_SCALE)) continue;
    out.fields.set(id, { set: FieldSet.of(own), apiVersion: parentVersion, applied: vs.applied });
    out.times.set(id, scale.times.get(id));
  }
  return encodeManagedFields(out);
}
