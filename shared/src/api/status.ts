// metav1.Status: the shape of every error the apiserver returns, and the error clients throw.
import { qualifiedResource, type ResourceType } from './resources';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export function failure(code: number, reason: string, message: string, details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

type Res = Pick<ResourceType, 'group' | 'resource'>;

export const statusFor = {
  notFound: (r: Res, name: string) =>
    failure(404, 'NotFound', `${qualifiedResource(r)} "${name}" not found`, { name, group: r.group || undefined, kind: r.resource }),
  alreadyExists: (r: Res, name: string) =>
    failure(409, 'AlreadyExists', `${qualifiedResource(r)} "${name}" already exists`, { name, group: r.group || undefined, kind: r.resource }),
  conflict: (r: Res, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
    failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${why}`, { name, group: r.group || undefined, kind: r.resource }),
  /** 422 with one cause per bad field, message as upstream: `Kind "name" is invalid: [field: msg, ...]`. */
  invalid: (kind: string, group: string, name: string, causes: Required<Pick<StatusCause, 'field' | 'message' | 'reason'>>[]) => {
    const parts = causes.map((c) => `${c.field}: ${c.message}`);
    const body = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${body}`, { name, group: group || undefined, kind, causes });
  },
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  methodNotAllowed: (message: string) => failure(405, 'MethodNotAllowed', message),
  unsupportedMediaType: (contentType: string) =>
    failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got ${contentType}`),
  /** upstream NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", limit)). */
  tooLarge: (limit: number) => failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  gone: (message: string) => failure(410, 'Expired', message),
  unavailable: (message: string) => failure(503, 'ServiceUnavailable', message),
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`),
  forbidden: (message: string) => failure(403, 'Forbidden', message),
  notFoundPath: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
};

/** An error answered by the apiserver, carrying its Status. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

const hasReason = (reason: string) => (e: unknown): boolean => e instanceof ApiError && e.reason === reason;
export const isNotFound = hasReason('NotFound');
export const isAlreadyExists = hasReason('AlreadyExists');
export const isConflict = hasReason('Conflict');
export const isInvalid = hasReason('Invalid');
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.code === 410;
