// The admission chain (upstream's admission plugins in their recommended order): every create, and every
// update of a main resource, passes each plugin that handles its operation, in chain order, in upstream's
// two phases — the mutating phase (`admit`, after the defaults and before validation: it may change the
// new object, or refuse the request) and, once the object is valid, the validating phase (`validate`: it
// may only refuse). A DELETE passes the validating phase only, with the object being deleted. Status
// writes pass only the plugins that name the `status` subresource.
import { ApiError, statusFor } from '@minik8s/shared';
import type { UserInfo } from '../auth/types';
import type { ServedResource } from './kinds';
import type { Obj } from './objects';
import type { Registry } from './registry';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** What a plugin sees of a request (upstream's admission.Attributes). */
export interface AdmissionAttributes {
  readonly operation: AdmissionOperation;
  /** The kind, at its storage version. */
  readonly r: ServedResource;
  readonly namespace?: string;
  readonly name: string;
  /** '' for the main resource, else the subresource written (`status`). */
  readonly subresource?: string;
  /**
   * The new object at the storage version, defaults applied; only the mutating phase may change it (in
   * place). For a DELETE: the object being deleted.
   */
  readonly obj: Obj;
  /** The stored object an UPDATE replaces (a DELETE removes). */
  readonly old?: Obj;
  /** A dry run: a plugin must change no state but the object's. */
  readonly dryRun?: boolean;
  /** Who asks; undefined for the apiserver's own writes. */
  readonly user?: UserInfo;
  /** Where a plugin adds warnings for the client (the response's Warning headers); absent: none are sent. */
  readonly warnings?: string[];
}

export type AdmissionStep = (registry: Registry, attrs: AdmissionAttributes) => Promise<void>;

/** One admission plugin (upstream's admission.Interface: Handles, Admit, Validate). */
export interface AdmissionPlugin {
  /** Upstream's plugin name (NamespaceLifecycle, DefaultStorageClass, ...). */
  readonly name: string;
  /** The operations it handles; the others pass it untouched. */
  readonly operations: readonly AdmissionOperation[];
  /** The subresources it handles besides the main resource (upstream plugins see every subresource and skip most). */
  readonly subresources?: readonly string[];
  /** Mutating phase. */
  readonly admit?: AdmissionStep;
  /** Validating phase. */
  readonly validate?: AdmissionStep;
}

export type AdmissionPhase = 'admit' | 'validate';

/** Run one phase of `chain` for a request, plugin by plugin in order; the first refusal (a throw) ends it. */
export async function runAdmission(
  chain: readonly AdmissionPlugin[],
  phase: AdmissionPhase,
  registry: Registry,
  attrs: AdmissionAttributes,
): Promise<void> {
  for (const plugin of chain) {
    const step = plugin[phase];
    if (!step || !plugin.operations.includes(attrs.operation)) continue;
    if (attrs.subresource && !plugin.subresources?.includes(attrs.subresource)) continue;
    await step(registry, attrs);
  }
}

/** A plugin's refusal (upstream's admission.NewForbidden): `pods "x" is forbidden: <message>`. */
export function admissionForbidden(attrs: AdmissionAttributes, message: string): ApiError {
  const { r } = attrs;
  const name = attrs.name || attrs.obj.metadata?.generateName || '';
  const resource = `${r.resource}${r.group ? '.' + r.group : ''}`;
  return new ApiError({
    ...statusFor.forbidden(`${resource} "${name}" is forbidden: ${message}`),
    details: { name, group: r.group, kind: r.resource },
  });
}
