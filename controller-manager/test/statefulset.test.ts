import { describe, expect, it } from 'vitest';
import { ordinalOf, planSet, type SetView } from '../src/controllers/statefulset/logic';
import type { Pod } from '../src/util/types';

const view = (o: Partial<SetView> = {}): SetView => ({
  name: 'db',
  replicas: 3,
  start: 0,
  parallel: false,
  rolling: true,
  partition: 0,
  updateRevision: 'db-new',
  ...o,
});
const pod = (ord: number, state: 'ready' | 'pending' | 'failed' | 'deleting' = 'ready', rev = 'db-new'): Pod => ({
  metadata: { name: `db-${ord}`, labels: { 'controller-revision-hash': rev }, ...(state === 'deleting' ? { deletionTimestamp: 'x' } : {}) },
  spec: { containers: [] },
  status: {
    phase: state === 'pending' ? 'Pending' : state === 'failed' ? 'Failed' : 'Running',
    conditions: [{ type: 'Ready', status: state === 'ready' || state === 'deleting' ? 'True' : 'False' }],
  },
});
const names = (p: { create: number[]; delete: Pod[] }) => ({ create: p.create, delete: p.delete.map((x) => x.metadata.name) });

describe('ordinalOf', () => {
  it.each([
    ['db-0', 0],
    ['db-12', 12],
    ['db-01', undefined],
    ['db-x', undefined],
    ['web-1', undefined],
    ['db-1-2', undefined],
  ] as const)('%s', (n, want) => {
    expect(ordinalOf('db', n)).toBe(want);
  });
});

describe('planSet', () => {
  it.each<[string, SetView, Pod[], { create: number[]; delete: string[] }]>([
    ['ordered: first pod', view(), [], { create: [0], delete: [] }],
    ['ordered: waits for pod-0 to be ready', view(), [pod(0, 'pending')], { create: [], delete: [] }],
    ['ordered: next ordinal once ready', view(), [pod(0)], { create: [1], delete: [] }],
    ['parallel: all at once', view({ parallel: true }), [pod(1)], { create: [0, 2], delete: [] }],
    ['ordered scale down: highest first, one at a time', view({ replicas: 1 }), [pod(0), pod(1), pod(2)], { create: [], delete: ['db-2'] }],
    [
      'ordered scale down waits for the terminating one',
      view({ replicas: 1 }),
      [pod(0), pod(1), pod(2, 'deleting')],
      { create: [], delete: [] },
    ],
    [
      'parallel scale down: all condemned',
      view({ replicas: 1, parallel: true }),
      [pod(0), pod(1), pod(2)],
      { create: [], delete: ['db-2', 'db-1'] },
    ],
    ['failed pod is recreated', view(), [pod(0), pod(1, 'failed'), pod(2)], { create: [], delete: ['db-1'] }],
    [
      'rolling update: highest old revision first',
      view(),
      [pod(0, 'ready', 'old'), pod(1, 'ready', 'old'), pod(2, 'ready', 'old')],
      { create: [], delete: ['db-2'] },
    ],
    ['rolling update: next one down', view(), [pod(0, 'ready', 'old'), pod(1, 'ready', 'old'), pod(2)], { create: [], delete: ['db-1'] }],
    [
      'rolling update waits for an unready pod',
      view(),
      [pod(0, 'ready', 'old'), pod(1, 'ready', 'old'), pod(2, 'pending')],
      { create: [], delete: [] },
    ],
    [
      'partition keeps lower ordinals',
      view({ partition: 2 }),
      [pod(0, 'ready', 'old'), pod(1, 'ready', 'old'), pod(2)],
      { create: [], delete: [] },
    ],
    [
      'OnDelete never deletes for updates',
      view({ rolling: false }),
      [pod(0, 'ready', 'old'), pod(1, 'ready', 'old'), pod(2, 'ready', 'old')],
      { create: [], delete: [] },
    ],
    ['start ordinal', view({ start: 5, replicas: 2 }), [pod(5)], { create: [6], delete: [] }],
  ])('%s', (_n, v, pods, want) => {
    expect(names(planSet(v, pods))).toEqual(want);
  });
});
