// The minimal OpenAPI v3 that kubectl's default validation (--validate=strict) needs:
// per group-version, one PATCH operation per kind carrying x-kubernetes-group-version-kind and the
// `fieldValidation` query parameter. kubectl then sends ?fieldValidation=Strict and lets us validate.
// /openapi/v2 stays 404: kubectl asks for it as protobuf only and copes with a 404.
import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceType } from '@minik8s/shared';
import { groupVersions, type GroupVersion } from '../discovery/documents';

/** "api/v1" or "apis/apps/v1": the key in /openapi/v3's paths. */
export const openapiKey = (gv: GroupVersion) => (gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`);

const PARAMS = ['fieldValidation', 'fieldManager', 'dryRun', 'pretty'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** The OpenAPI v3 document of one group-version (undefined when not served). */
export function openapiGroupVersionDoc(resources: readonly ResourceType[], gv: GroupVersion) {
  const rs = resources.filter((r) => r.group === gv.group && r.version === gv.version);
  if (!rs.length) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of rs) {
    const base = `/${openapiKey(gv)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}/{name}`;
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    paths[base] = {
      parameters: [
        { name: 'name', in: 'path', description: `name of the ${r.kind}`, required: true, schema: { type: 'string', uniqueItems: true } },
        ...(r.namespaced ? [{ name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, schema: { type: 'string', uniqueItems: true } }] : []),
      ],
      patch: {
        tags: [apiVersionOf(r).replace(/[./]/g, '_')],
        description: `partially update the specified ${r.kind}`,
        operationId: `patch${r.kind}`,
        parameters: PARAMS,
        requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: {} }])), required: true },
        responses: { '200': { description: 'OK' }, '201': { description: 'Created' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}

/** Content hash of a document, as the `hash` query kubectl echoes back. */
export function docHash(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
}

/** GET /openapi/v3: where each group-version document lives. */
export function openapiRoot(resources: readonly ResourceType[]) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions(resources)) {
    const key = openapiKey(gv);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${docHash(openapiGroupVersionDoc(resources, gv))}` };
  }
  return { paths };
}
