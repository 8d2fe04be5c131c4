// @minik8s/shared/ssa: server-side apply as upstream's structured-merge-diff and managedFields handling —
// field paths and sets (FieldsV1), the types apply merges by (from a kind's OpenAPI graph), the typed
// operations (field sets, compare, merge, removal), the updater (ownership, prune, conflicts) and the
// field manager the apiserver runs on every write. Pure: the apiserver and mkctl (kubectl's client-side
// apply upgrade) use it.
export * from './value';
export * from './pathelement';
export * from './fieldset';
export * from './schema';
export * from './typed';
export * from './updater';
export * from './managedfields';
export * from './fieldmanager';
export * from './csaupgrade';
export * from './scale';
