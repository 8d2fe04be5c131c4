// When is a started cluster ready for a test: every expected node Ready with its pod range, and the
// cluster DNS Service with a ready endpoint. Pure: the wait strategy polls, these read the answers.

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface NodeLike {
  metadata: { name: string };
  spec?: { podCIDR?: string };
  status?: { conditions?: Condition[] };
}

/** What keeps the expected nodes from being ready, one phrase per node; undefined when they all are. */
export function nodesProblem(items: NodeLike[], expected: string[]): string | undefined {
  const problems: string[] = [];
  for (const name of expected) {
    const n = items.find((i) => i.metadata.name === name);
    if (!n) {
      problems.push(`${name} has not registered`);
      continue;
    }
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') {
      const why = [ready?.reason, ready?.message].filter(Boolean).join(': ');
      problems.push(`${name} is not Ready${why ? ` (${why})` : ''}`);
    } else if (!n.spec?.podCIDR) {
      problems.push(`${name} has no podCIDR yet`);
    }
  }
  return problems.length ? problems.join('; ') : undefined;
}

/** The nodes that are the problem (to show their kubelets' logs). */
export function notReadyNodes(items: NodeLike[], expected: string[]): string[] {
  return expected.filter((name) => nodesProblem(items, [name]) !== undefined);
}

export interface EndpointsLike {
  subsets?: Array<{ addresses?: Array<{ ip: string }> }>;
}

/** The DNS Service has at least one ready address. */
export function endpointsReady(e: EndpointsLike | undefined): boolean {
  return (e?.subsets ?? []).some((s) => (s.addresses ?? []).length > 0);
}
