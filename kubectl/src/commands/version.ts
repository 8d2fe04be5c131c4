// version: client and server versions (the server's /version, as kubectl prints gitVersion).
import type { Ctx } from '../context';

export const CLIENT_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-mkctl',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'node',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export async function version(ctx: Ctx, o: { client?: boolean; output?: string }): Promise<number> {
  let server: Record<string, string> | undefined;
  let failed: { error: unknown } | undefined;
  if (!o.client) {
    try {
      server = await ctx.client.request<Record<string, string>>('GET', '/version');
    } catch (e) {
      failed = { error: e };
    }
  }
  if (o.output === 'json' || o.output === 'yaml') {
    const doc = { clientVersion: CLIENT_VERSION, ...(server ? { serverVersion: server } : {}) };
    process.stdout.write(o.output === 'json' ? JSON.stringify(doc, null, 2) + '\n' : (await import('../print/yaml')).toYaml(doc));
  } else {
    process.stdout.write(`Client Version: ${CLIENT_VERSION.gitVersion}\n`);
    if (server) process.stdout.write(`Server Version: ${server.gitVersion}\n`);
  }
  if (failed) throw failed.error;
  return 0;
}
