// The admission chain (upstream's admission plugins in their recommended order): every create, and every
// update of a main resource, passes each plugin that handles its operation, in chain order, in upstream's
// two phases — the mutating phase (`admit`, after the defaults and before validation: it may change the
// new object, or refuse the request) and, once the object is valid, the validating phase (`validate`: it
// may only refuse).
import type { ServedResource } from './kinds';
import type { Obj } from './objects';
import type { Registry } from './registry';
import type { UserInfo } from '../auth/types';

export type AdmissionOperation = 'CREATE' | 'UPDATE';

/** What a plugin sees of a request (upstream's admission.Attributes). */
export interface AdmissionAttributes {
  readonly operation: AdmissionOperation;
  /** The kind, at its storage version. */
  readonly r: ServedResource;
  readonly namespace?: string;
  readonly name: string;
  /** The new object at the storage version, defaults applied; only the mutating phase may change it (in place). */
  readonly obj: Obj;
  /** The stored object an UPDATE replaces. */
  readonly old?: Obj;
  /** A dry run: a plugin must change no state but the object's. */
  readonly dryRun?: boolean;
  /** Who asked (undefined: the apiserver's own write). */
  readonly user?: UserInfo;
}

export type AdmissionStep = (registry: Registry, attrs: AdmissionAttributes) => Promise<void>;

/** One admission plugin (upstream's admission.Interface: Handles, Admit, Validate). */
export interface AdmissionPlugin {
  /** Upstream's plugin name (NamespaceLifecycle, DefaultStorageClass, ...). */
  readonly name: string;
  /** The operations it handles; the others pass it untouched. */
  readonly operations: readonly AdmissionOperation[];
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
    if (step && plugin.operations.includes(attrs.operation)) await step(registry, attrs);
  }
}
