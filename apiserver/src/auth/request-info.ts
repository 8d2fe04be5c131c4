// Upstream's RequestInfo: what a request is about, computed once from its method and URL before
// authentication, for the authorizer (and the admission chain later). Resource requests are
// /api/v1/... and /apis/<group>/<version>/...; everything else (/healthz, /version, discovery
// documents, /openapi/...) is a non-resource request whose verb is the lower-case HTTP method.

export interface RequestInfo {
  isResourceRequest: boolean;
  /** The URL path, unescaped segments re-joined (no query). */
  path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection (resource requests); the HTTP method, lower-case, otherwise. */
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** The path's segments after the group-version (and namespace): resource/name/subresource/... */
  parts: string[];
}

const VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
/** Verbs whose third path segment is not a subresource (the deprecated /api/v1/watch/... and proxy forms). */
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
/** A valid path segment name (what upstream checks before taking a metadata.name field selector as the name). */
const SEGMENT_NAME = /^[^/%]+$/;

function nonResource(method: string, path: string): RequestInfo {
  return {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
}

/** metadata.name from a field selector that requires an exact match on it ("metadata.name=x" or "==x"). */
function exactName(fieldSelector: string | null): string | undefined {
  if (!fieldSelector) return undefined;
  for (const term of fieldSelector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m && m[1] && SEGMENT_NAME.test(m[1]) && m[1] !== '.' && m[1] !== '..') return m[1];
  }
  return undefined;
}

export function requestInfo(method: string, rawUrl: string): RequestInfo {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  let segs: string[];
  try {
    segs = rawPath
      .split('/')
      .filter(Boolean)
      .map((s) => (s.includes('%') ? decodeURIComponent(s) : s));
  } catch {
    return nonResource(method, rawPath);
  }
  const path = `/${segs.join('/')}`;
  const prefix = segs[0];
  if (prefix !== 'api' && prefix !== 'apis') return nonResource(method, path);
  let rest = segs.slice(1);
  let apiGroup = '';
  if (prefix === 'apis') {
    if (rest.length < 3) return nonResource(method, path); // /apis, /apis/<g>, /apis/<g>/<v>: discovery
    apiGroup = rest[0];
    rest = rest.slice(1);
  } else if (rest.length < 2) return nonResource(method, path); // /api, /api/v1
  const apiVersion = rest[0];
  rest = rest.slice(1);

  let verb = VERBS[method.toUpperCase()] ?? method.toLowerCase();
  if (SPECIAL_VERBS.has(rest[0])) {
    if (rest.length < 2) return nonResource(method, path);
    verb = rest[0];
    rest = rest.slice(1);
  }
  let namespace = '';
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      namespace = rest[1];
      if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
    }
  }
  const parts = rest;
  let resource = '';
  let name = '';
  let subresource = '';
  if (parts.length >= 3 && !SPECIAL_VERBS.has(verb)) subresource = parts[2];
  if (parts.length >= 2) name = parts[1];
  if (parts.length >= 1) resource = parts[0];
  if (!name && verb === 'get') {
    verb = TRUE.has(query.get('watch') ?? '') ? 'watch' : 'list';
    name = exactName(query.get('fieldSelector')) ?? '';
  }
  if (!name && verb === 'delete') verb = 'deletecollection';
  return { isResourceRequest: true, path, verb, apiPrefix: prefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts };
}
