// A request to the apiserver with the kubeconfig's credentials (CA, client certificate, token), bounded in time.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Credentials } from './kubeconfig';

export interface Reply {
  status: number;
  text: string;
  json?: unknown;
}

export function apiGet(creds: Credentials, path: string, timeoutMs = 3000): Promise<Reply> {
  return apiRequest(creds, 'GET', path, undefined, timeoutMs);
}

export function apiRequest(creds: Credentials, method: string, path: string, body?: unknown, timeoutMs = 3000): Promise<Reply> {
  const url = new URL(path, creds.server);
  const data = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(data ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) } : {}),
  };
  if (creds.token) headers.authorization = `Bearer ${creds.token}`;
  else if (creds.basic) headers.authorization = `Basic ${creds.basic}`;
  const tls = url.protocol === 'https:';
  const send = tls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        headers,
        timeout: timeoutMs,
        ...(tls
          ? {
              ca: creds.ca,
              cert: creds.cert,
              key: creds.key,
              servername: creds.servername,
              rejectUnauthorized: !creds.insecureSkipTlsVerify,
            }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}
