// Objects between a served version and the storage version, through the kind's Conversion (and onRead). Objects read
// from storage are never mutated, so each one's converted copy is made once per served version and shared
// (with its JSON, see jsonOf) by every GET, list and watcher that sends it.
import type { KubeObject } from '@minik8s/shared';
import type { ServedResource } from './kinds';
import { clone, type Obj } from './objects';

const copies = new WeakMap<ServedResource, WeakMap<object, KubeObject>>();

/** A stored object as `r` serves it (the object itself at the storage version). */
export function toServed(r: ServedResource, obj: KubeObject): KubeObject {
  if (!r.fromStorage) return obj;
  let byObj = copies.get(r);
  if (!byObj) copies.set(r, (byObj = new WeakMap()));
  let out = byObj.get(obj);
  if (!out) {
    const { apiVersion: _a, kind: _k, ...rest } = r.fromStorage(clone(obj));
    out = { apiVersion: r.apiVersion, kind: r.kind, ...rest } as KubeObject;
    byObj.set(obj, out);
  }
  return out;
}

/** A body sent at `r`'s version as the storage version holds it (the body itself at the storage version). */
export function toStorage(r: ServedResource, body: Obj): Obj {
  if (!r.conversion) return body;
  const { apiVersion: _a, kind: _k, ...rest } = r.conversion.toStorage(clone(body));
  return { apiVersion: r.storage.apiVersion, kind: r.kind, ...rest };
}
