// explain-route svc/NAME: the iptables walk kube-proxy programs for each port of a Service —
// KUBE-SERVICES → KUBE-SVC-<hash> → KUBE-SEP-<hash> → DNAT to a pod — computed from the Service and its
// EndpointSlices with kube-proxy's own chain names (shared/src/proxy/chain-names.ts).
import { endpointChainName, externalChainName, serviceChainName, servicePortName } from '@minik8s/shared/proxy';
import { getObject, listObjects } from '../api';
import { parseResourceArgs, builtinType } from '../args';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import type { KubeObject } from '../shared';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = KubeObject & { spec?: any; endpoints?: any[]; ports?: any[] };

interface Ep {
  ip: string;
  port: number;
  node?: string;
  pod?: string;
}

function ipKey(ip: string): number {
  const p = ip.split('.').map(Number);
  return p.length === 4 ? ((p[0] * 256 + p[1]) * 256 + p[2]) * 256 + p[3] : 0;
}

/** Ready endpoints of one service port (by port name), sorted as kube-proxy sorts them. */
export function endpointsFor(slices: Obj[], portName: string | undefined, protocol: string): Ep[] {
  const out: Ep[] = [];
  for (const s of slices) {
    const sp = (s.ports ?? []).find((p: any) => (p.name ?? '') === (portName ?? '') && (p.protocol ?? 'TCP') === protocol);
    if (!sp?.port) continue;
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses ?? []) out.push({ ip, port: sp.port, node: e.nodeName, pod: e.targetRef?.kind === 'Pod' ? `${e.targetRef.namespace ?? s.metadata.namespace}/${e.targetRef.name}` : undefined });
    }
  }
  const seen = new Set<string>();
  return out.filter((e) => !seen.has(`${e.ip}:${e.port}`) && seen.add(`${e.ip}:${e.port}`)).sort((a, b) => ipKey(a.ip) - ipKey(b.ip) || a.port - b.port);
}

/** The explanation text for one Service (pure). */
export function explainService(svc: Obj, slices: Obj[], node?: string): string {
  const ns = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  const spec = svc.spec ?? {};
  const lines: string[] = [];
  if (spec.type === 'ExternalName') return `service ${ns}/${name} is ExternalName (${spec.externalName}): DNS only, kube-proxy programs no rules\n`;
  if (!spec.clusterIP || spec.clusterIP === 'None') return `service ${ns}/${name} is headless: no virtual IP, clients reach the pods directly (DNS returns their IPs)\n`;
  for (const p of spec.ports ?? []) {
    const protocol = p.protocol ?? 'TCP';
    const spn = servicePortName(ns, name, p.name);
    const eps = endpointsFor(slices, p.name, protocol);
    const pr = `-p ${protocol.toLowerCase()}`;
    lines.push(`${spn} ${p.port}/${protocol} → ${spec.clusterIP}:${p.port}${node ? ` (as seen on node ${node})` : ''}`);
    lines.push(`  nat PREROUTING / OUTPUT → KUBE-SERVICES`);
    if (eps.length === 0) {
      lines.push(`  filter KUBE-SERVICES: -d ${spec.clusterIP}/32 ${pr} --dport ${p.port} → REJECT ("${spn} has no endpoints")`);
      lines.push('');
      continue;
    }
    const svcChain = serviceChainName(spn, protocol);
    lines.push(`  KUBE-SERVICES: -d ${spec.clusterIP}/32 ${pr} --dport ${p.port} → ${svcChain}`);
    if (p.nodePort) lines.push(`  KUBE-NODEPORTS: ${pr} --dport ${p.nodePort} → ${externalChainName(spn, protocol)} (mark for masquerade) → ${svcChain}`);
    lines.push(`  ${svcChain}: traffic from outside the pod network is marked for masquerade (KUBE-MARK-MASQ), then one endpoint is picked at random:`);
    eps.forEach((e, i) => {
      const left = eps.length - i;
      const how = left > 1 ? `probability ${(1 / left).toFixed(5)}` : 'otherwise';
      const hostPort = `${e.ip}:${e.port}`;
      const where = [e.pod ? `pod ${e.pod}` : undefined, e.node ? `on node ${e.node}${node && e.node === node ? ' (local)' : ''}` : undefined].filter(Boolean).join(' ');
      lines.push(`    ${how.padEnd(19)} → ${endpointChainName(spn, protocol, hostPort)}: DNAT → ${hostPort}${where ? `  ${where}` : ''}`);
    });
    if (spec.sessionAffinity === 'ClientIP') lines.push(`    (ClientIP affinity: a client keeps its endpoint for ${spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800}s via -m recent)`);
    lines.push('');
  }
  return lines.join('\n') + (lines.length ? '' : '\n');
}

export async function explainRoute(ctx: Ctx, args: string[], o: { node?: string }): Promise<number> {
  const [req] = await parseResourceArgs(ctx, args, 'explain-route');
  if (req.rt.kind !== 'Service' || req.names.length !== 1) throw new CliError('explain-route takes one service: mkctl explain-route svc/NAME [--node N]');
  const svc = await getObject<Obj>(ctx, req.rt, ctx.namespace, req.names[0]);
  const slices = (await listObjects(ctx, builtinType('endpointslices'), ctx.namespace, { labelSelector: `kubernetes.io/service-name=${req.names[0]}` })).items as Obj[];
  if (o.node) await getObject(ctx, builtinType('nodes'), undefined, o.node);
  process.stdout.write(explainService(svc, slices, o.node));
  return 0;
}
