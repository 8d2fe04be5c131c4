// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902, fast-json-patch) and strategic merge
// patch (shared/src/patch, the same code mkctl uses to compute one). Apply patches (server-side apply) are
// merged by the registry's field manager (registry.apply).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { applyPatch as applyJsonPatchOps, type Operation } from 'fast-json-patch';
import { ApiError, statusFor, applyStrategicMergePatch } from '@minik8s/shared';
import type { SchemaNode } from '@minik8s/shared/openapi';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** RFC 7386: null deletes, objects merge recursively, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function bad(message: string): ApiError {
  return new ApiError(statusFor.badRequest(message));
}

/**
 * Apply a patch of the given type to a copy of `original`, a strategic merge patch with the merge keys of
 * `schema` (the kind's). Malformed patches → 400 BadRequest (ApiError).
 */
export function applyPatch(
  type: Exclude<PatchType, 'apply'>,
  original: Record<string, any>,
  patch: unknown,
  schema?: SchemaNode,
): Record<string, any> {
  switch (type) {
    case 'merge': {
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw bad('a merge patch must be a JSON object');
      return mergePatch(original, patch) as Record<string, any>;
    }
    case 'json': {
      if (!Array.isArray(patch)) throw bad('a JSON patch must be a JSON array of operations');
      try {
        return applyJsonPatchOps(structuredClone(original), patch as Operation[], true, false).newDocument;
      } catch (e) {
        throw new ApiError({
          ...statusFor.badRequest(`the server rejected our request due to an error in our request: ${(e as Error).message.split('\n')[0]}`),
          code: 422,
          reason: 'Invalid',
        });
      }
    }
    case 'strategic': {
      try {
        return applyStrategicMergePatch(structuredClone(original), patch, undefined, schema);
      } catch (e) {
        throw bad((e as Error).message);
      }
    }
  }
}
