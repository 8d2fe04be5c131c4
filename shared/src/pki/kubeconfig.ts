// A kubeconfig with everything embedded (certificate-authority-data, client-certificate-data,
// client-key-data or a token), as kubeadm writes them: one file is all a component or a user needs.

export interface KubeconfigSpec {
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  ca: string;
  /** Client certificate and key (PEM), or a bearer token. */
  cert?: string;
  key?: string;
  token?: string;
  user: string;
  cluster?: string;
  namespace?: string;
}

const b64 = (pem: string) => Buffer.from(pem).toString('base64');
// quoted: base64 and user names like system:node:x are plain strings either way, and the quotes keep
// them inside the subset shared's fast kubeconfig reader handles
const q = (s: string) => {
  if (/["\\\n]/.test(s)) throw new Error(`kubeconfig value ${JSON.stringify(s)} has a quote, backslash or newline`);
  return `"${s}"`;
};

export function kubeconfigText(s: KubeconfigSpec): string {
  const cluster = s.cluster ?? 'minik8s';
  const context = `${s.user}@${cluster}`;
  const user = [
    ...(s.cert ? [`    client-certificate-data: ${q(b64(s.cert))}`] : []),
    ...(s.key ? [`    client-key-data: ${q(b64(s.key))}`] : []),
    ...(s.token ? [`    token: ${q(s.token)}`] : []),
  ];
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${q(cluster)}`,
    '  cluster:',
    `    server: ${q(s.server)}`,
    `    certificate-authority-data: ${q(b64(s.ca))}`,
    'users:',
    `- name: ${q(s.user)}`,
    ...(user.length ? ['  user:', ...user] : ['  user: {}']),
    'contexts:',
    `- name: ${q(context)}`,
    '  context:',
    `    cluster: ${q(cluster)}`,
    `    user: ${q(s.user)}`,
    ...(s.namespace ? [`    namespace: ${q(s.namespace)}`] : []),
    `current-context: ${q(context)}`,
    '',
  ].join('\n');
}
