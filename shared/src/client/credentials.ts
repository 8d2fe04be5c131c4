// Where a client's credentials come from, as client-go: a static token or client certificate, a token
// file re-read as it rotates (tokenFile, and a pod's projected ServiceAccount token), or an exec
// credential plugin (client.authentication.k8s.io/v1 ExecCredential) run again when its credential
// expires or the server answers 401.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A kubeconfig user's `exec` stanza. */
export interface ExecConfig {
  apiVersion?: string;
  command: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

export interface Credentials {
  token?: string;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface CredentialConfig extends Credentials {
  /** Re-read every TOKEN_FILE_REFRESH_MS (the kubelet rotates projected tokens well before they expire). */
  tokenFile?: string;
  exec?: ExecConfig;
  /** For provideClusterInfo. */
  server?: string;
  ca?: string | Buffer;
}

const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];
/** client-go re-reads a token file once a minute; we are a bit quicker so short test tokens rotate too. */
export const TOKEN_FILE_REFRESH_MS = 10_000;
const EXEC_TIMEOUT_MS = 60_000;

export class CredentialError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialError';
  }
}

export class CredentialSource {
  private fileToken?: { value: string; readAt: number };
  private execResult?: { creds: Credentials; expiresAt: number };
  private execRunning?: Promise<Credentials>;

  constructor(private readonly cfg: CredentialConfig) {}

  /** Whether a 401 may be cured by fetching new credentials. */
  get refreshable(): boolean {
    return !!(this.cfg.exec || this.cfg.tokenFile);
  }

  /** The credentials to send now (cached; an exec plugin runs at most once at a time). */
  async current(): Promise<Credentials> {
    const c = this.cfg;
    if (c.exec) {
      if (this.execResult && Date.now() < this.execResult.expiresAt) return this.execResult.creds;
      this.execRunning ??= this.runExec(c.exec).finally(() => (this.execRunning = undefined));
      return this.execRunning;
    }
    if (c.tokenFile) return { token: this.readTokenFile(c.tokenFile), cert: c.cert, key: c.key };
    return c;
  }

  /** Forget what is cached (after a 401). */
  invalidate(): void {
    this.fileToken = undefined;
    this.execResult = undefined;
  }

  private readTokenFile(path: string): string {
    const now = Date.now();
    if (this.fileToken && now - this.fileToken.readAt < TOKEN_FILE_REFRESH_MS) return this.fileToken.value;
    try {
      this.fileToken = { value: readFileSync(path, 'utf8').trim(), readAt: now };
    } catch (e) {
      // a rotation in progress (rename) or a transient error: keep the last token when there is one
      if (!this.fileToken)
        throw new CredentialError(`unable to read the token file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
          cause: e,
        });
    }
    return this.fileToken.value;
  }

  private async runExec(x: ExecConfig): Promise<Credentials> {
    const apiVersion = x.apiVersion ?? '';
    if (!EXEC_API_VERSIONS.includes(apiVersion))
      throw new CredentialError(`exec plugin: invalid apiVersion "${apiVersion}" (want ${EXEC_API_VERSIONS.join(' or ')})`);
    const spec: Record<string, unknown> = { interactive: false };
    if (x.provideClusterInfo && this.cfg.server) {
      spec.cluster = {
        server: this.cfg.server,
        ...(this.cfg.ca ? { 'certificate-authority-data': Buffer.from(this.cfg.ca).toString('base64') } : {}),
      };
    }
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion, kind: 'ExecCredential', spec }) };
    for (const e of x.env ?? []) env[e.name] = e.value;
    const stdout = await new Promise<string>((ok, fail) => {
      execFile(x.command, x.args ?? [], { env, timeout: EXEC_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, out, errOut) => {
        if (err)
          fail(
            new CredentialError(
              `exec plugin "${x.command}" failed: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'executable not found' : String(errOut || err.message).trim()}`,
              { cause: err },
            ),
          );
        else ok(out);
      });
    });
    let cred: { apiVersion?: string; kind?: string; status?: Record<string, unknown> };
    try {
      cred = JSON.parse(stdout);
    } catch (e) {
      throw new CredentialError(`exec plugin "${x.command}" did not print an ExecCredential: ${(e as Error).message}`, { cause: e });
    }
    if (cred.kind !== 'ExecCredential' || cred.apiVersion !== apiVersion) {
      throw new CredentialError(
        `exec plugin "${x.command}": want an ExecCredential of ${apiVersion}, got kind "${cred.kind}" apiVersion "${cred.apiVersion}"`,
      );
    }
    const st = cred.status ?? {};
    const token = typeof st.token === 'string' ? st.token : undefined;
    const cert = typeof st.clientCertificateData === 'string' ? st.clientCertificateData : undefined;
    const key = typeof st.clientKeyData === 'string' ? st.clientKeyData : undefined;
    if (!token && !(cert && key))
      throw new CredentialError(`exec plugin "${x.command}" returned neither a token nor a client certificate and key`);
    const exp = typeof st.expirationTimestamp === 'string' ? Date.parse(st.expirationTimestamp) : NaN;
    const creds = { token, cert, key };
    this.execResult = { creds, expiresAt: Number.isFinite(exp) ? exp : Infinity };
    return creds;
  }
}
