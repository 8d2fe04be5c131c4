// Turning HTTP failures into Status errors, and socket failures into kubectl-like messages.
import { ApiError, failure, type Status } from '../api/status';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** An error body as a Status: the body itself when it is one, else a Status with the HTTP code (as client-go does). */
export function statusFromBody(code: number, body: string): Status {
  try {
    const parsed = JSON.parse(body) as Partial<Status>;
    if (parsed && parsed.kind === 'Status') return { ...parsed, code: parsed.code || code } as Status;
  } catch {
    // not JSON: fall through
  }
  const text = body.trim();
  const message = text
    ? `the server responded with the status code ${code} but did not return more information: ${text.slice(0, 500)}`
    : code === 404
      ? 'the server could not find the requested resource'
      : `the server responded with the status code ${code} but did not return more information`;
  return failure(code, REASONS[code] ?? 'Unknown', message);
}

export function apiErrorFromBody(code: number, body: string): ApiError {
  return new ApiError(statusFromBody(code, body));
}

/** A failure to reach the apiserver at all (refused, reset, DNS, TLS, timeout). */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export function connectionError(server: URL, err: NodeJS.ErrnoException): ConnectionError {
  const hostPort = `${server.hostname}:${server.port || (server.protocol === 'https:' ? '443' : '80')}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(
        `The connection to the server ${hostPort} was refused - did you specify the right host or port?`,
        err.code,
        err,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(`Unable to connect to the server: dial tcp: lookup ${server.hostname}: no such host`, err.code, err);
    case 'ETIMEDOUT':
      return new ConnectionError(`Unable to connect to the server: dial tcp ${hostPort}: i/o timeout`, err.code, err);
    default:
      return new ConnectionError(`Unable to connect to the server ${hostPort}: ${err.message}`, err.code, err);
  }
}

/** True for errors worth retrying later (connection trouble, 429, 5xx). */
export function isRetryable(e: unknown): boolean {
  if (e instanceof ConnectionError) return true;
  return e instanceof ApiError && (e.code === 429 || e.code >= 500);
}
