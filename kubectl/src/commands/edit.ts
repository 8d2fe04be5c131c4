// edit: the object as YAML in $KUBE_EDITOR / $EDITOR (vi by default), then a two-way strategic merge
// patch from what was shown to what was saved, as kubectl edit sends.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwoWayMergePatch } from '@minik8s/shared/patch';
import { getObject } from '../api';
import { kindPrefix, parseResourceArgs } from '../args';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import { parseManifests } from '../manifests';
import { hideManagedFields, sortKeys, toYaml } from '../print/yaml';
import { resourcePath } from '../shared';

const HEADER = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`;

export async function edit(ctx: Ctx, args: string[]): Promise<number> {
  const reqs = await parseResourceArgs(ctx, args, 'edit');
  if (reqs.length !== 1 || reqs[0].names.length !== 1) throw new CliError('edit takes one object: mkctl edit TYPE NAME or TYPE/NAME');
  const { rt, names } = reqs[0];
  const ns = rt.namespaced ? ctx.namespace : undefined;
  // managedFields are not shown, so not edited either (kubectl's --show-managed-fields=false)
  const original = hideManagedFields(await getObject(ctx, rt, ns, names[0]));
  const dir = mkdtempSync(join(tmpdir(), 'mkctl-edit-'));
  const file = join(dir, `${rt.resource}-${names[0]}.yaml`);
  try {
    writeFileSync(file, HEADER + toYaml(original, true));
    const editor = process.env.KUBE_EDITOR || process.env.EDITOR || 'vi';
    const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
    if (r.status !== 0) throw new CliError(`there was a problem with the editor "${editor}"`);
    const text = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    if (text.trim() === '') {
      process.stderr.write('Edit cancelled, saved file was empty.\n');
      return 0;
    }
    const [edited] = parseManifests(text, file);
    if (!edited || JSON.stringify(sortKeys(edited)) === JSON.stringify(sortKeys(original))) {
      process.stderr.write('Edit cancelled, no changes made.\n');
      return 0;
    }
    const patch = createTwoWayMergePatch(original, edited);
    await ctx.client.request('PATCH', resourcePath(rt, ns, names[0]), {
      body: JSON.stringify(patch),
      contentType: 'application/strategic-merge-patch+json',
      query: { fieldManager: 'kubectl-edit', fieldValidation: 'Strict' },
    });
    process.stdout.write(`${kindPrefix(rt)}/${names[0]} edited\n`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
