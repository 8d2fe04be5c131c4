// explain-route svc/NAME: the path kube-proxy programs for each port of a Service, in both proxy
// modes — iptables: KUBE-SERVICES → KUBE-SVC-<hash> → KUBE-SEP-<hash> → DNAT to a pod; nftables: the
// service-ips map → a shared dispatch chain → a slot chain and its map → DNAT — computed from the
// Service and its EndpointSlices with kube-proxy's own code (shared/src/proxy: the endpoints it
// uses, its chain names and its map elements).
import { endpointChainName, externalChainName, serviceChainName } from '@minik8s/shared/proxy';
import {
  AFFINITY, HAIRPIN, NFT_FAMILY, NFT_TABLE, NO_ENDPOINT_NODEPORTS, NO_ENDPOINT_SERVICES, SERVICE_IPS, SERVICE_NODEPORTS,
  affinityChain, dispatchChain, nftServicePort, slotChain, slotMap,
} from '@minik8s/shared/proxy';
import { buildServicePorts, type Dropped, type Endpoint, type ServicePort } from '@minik8s/shared/proxy';
import { getObject, listObjects } from '../api';
import { parseResourceArgs, builtinType } from '../args';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import type { KubeObject } from '../shared';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = KubeObject & { spec?: any; endpoints?: any[]; ports?: any[] };

function where(e: Endpoint, node?: string): string {
  return [e.pod ? `pod ${e.pod}` : undefined, e.nodeName ? `on node ${e.nodeName}${node && e.nodeName === node ? ' (local)' : ''}` : undefined].filter(Boolean).join(' ');
}

function iptablesPath(sp: ServicePort, node: string | undefined, lines: string[]): void {
  const pr = `-p ${sp.protocol.toLowerCase()}`;
  const eps = sp.endpoints;
  lines.push('  iptables mode:');
  lines.push('    nat PREROUTING / OUTPUT → KUBE-SERVICES');
  if (eps.length === 0) {
    lines.push(`    filter KUBE-SERVICES: -d ${sp.clusterIP}/32 ${pr} --dport ${sp.port} → REJECT ("${sp.spn} has no endpoints")`);
    return;
  }
  const svcChain = serviceChainName(sp.spn, sp.protocol);
  lines.push(`    KUBE-SERVICES: -d ${sp.clusterIP}/32 ${pr} --dport ${sp.port} → ${svcChain}`);
  if (sp.nodePort) lines.push(`    KUBE-NODEPORTS: ${pr} --dport ${sp.nodePort} → ${externalChainName(sp.spn, sp.protocol)} (mark for masquerade) → ${svcChain}`);
  lines.push(`    ${svcChain}: traffic from outside the pod network is marked for masquerade (KUBE-MARK-MASQ), then one endpoint is picked at random:`);
  eps.forEach((e, i) => {
    const left = eps.length - i;
    const how = left > 1 ? `probability ${(1 / left).toFixed(5)}` : 'otherwise';
    const hostPort = `${e.ip}:${e.port}`;
    const at = where(e, node);
    lines.push(`      ${how.padEnd(19)} → ${endpointChainName(sp.spn, sp.protocol, hostPort)}: DNAT → ${hostPort}${at ? `  ${at}` : ''}`);
  });
  if (sp.affinitySeconds !== undefined) lines.push(`      (ClientIP affinity: a client keeps its endpoint for ${sp.affinitySeconds}s via -m recent)`);
}

function nftablesPath(sp: ServicePort, node: string | undefined, lines: string[]): void {
  const layout = nftServicePort(sp, node);
  const key = (map: string) => layout.elements.find((e) => e.map === map)?.key;
  lines.push(`  nftables mode (table ${NFT_FAMILY} ${NFT_TABLE}):`);
  if (sp.endpoints.length === 0) {
    lines.push(`    filter-input / filter-forward / filter-output → endpoints-check: @${NO_ENDPOINT_SERVICES}[${key(NO_ENDPOINT_SERVICES)}] → reject-chain (REJECT)`);
    if (sp.nodePort) lines.push(`    endpoints-check, to a local address: @${NO_ENDPOINT_NODEPORTS}[${key(NO_ENDPOINT_NODEPORTS)}] → reject-chain (REJECT)`);
    return;
  }
  const n = sp.endpoints.length;
  const affinity = sp.affinitySeconds !== undefined;
  const cluster = dispatchChain('cluster', n, affinity);
  lines.push(`    nat-prerouting / nat-output → services: @${SERVICE_IPS}[${key(SERVICE_IPS)}] → goto ${cluster}`);
  lines.push(`    ${cluster}: traffic from outside the pod network is marked for masquerade, then ${n > 1 ? `numgen random mod ${n} picks a slot` : 'the one slot'}:`);
  if (affinity) {
    lines.push(`      first @${AFFINITY}[client . ${key(SERVICE_IPS)}]: the endpoint this client was sent to within ${sp.affinitySeconds}s (${affinityChain(sp.affinitySeconds!)} remembers each new connection)`);
  }
  sp.endpoints.forEach((e, slot) => {
    const at = where(e, node);
    lines.push(`      ${String(slot).padEnd(3)} → ${slotChain('service', slot)}: @${slotMap('service', slot)}[${key(SERVICE_IPS)}] → DNAT ${e.ip}:${e.port}${at ? `  ${at}` : ''}`);
  });
  if (sp.nodePort) {
    lines.push(`    NodePort: services, to a local address: @${SERVICE_NODEPORTS}[${key(SERVICE_NODEPORTS)}] → goto ${dispatchChain('nodeport', n, affinity)} (mark for masquerade) → nodeport-slot-K: @nodeport-endpoints-K[${key(SERVICE_NODEPORTS)}]`);
  }
  lines.push(`    nat-postrouting → masquerading: an endpoint reaching itself through the Service is masqueraded (@${HAIRPIN}: pairs of the endpoints on the node)`);
}

/** The explanation text for one Service (pure). */
export function explainService(svc: Obj, slices: Obj[], node?: string): string {
  const ns = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  const spec = svc.spec ?? {};
  const lines: string[] = [];
  if (spec.type === 'ExternalName') return `service ${ns}/${name} is ExternalName (${spec.externalName}): DNS only, kube-proxy programs no rules\n`;
  if (!spec.clusterIP || spec.clusterIP === 'None') return `service ${ns}/${name} is headless: no virtual IP, clients reach the pods directly (DNS returns their IPs)\n`;
  const key = `${ns}/${name}`;
  const dropped: Dropped[] = [];
  const ports = buildServicePorts([svc as never], { slices: new Map([[key, slices as never[]]]), endpoints: new Map() }, (d) => dropped.push(d));
  for (const sp of ports) {
    lines.push(`${sp.spn} ${sp.port}/${sp.protocol} → ${sp.clusterIP}:${sp.port}${node ? ` (as seen on node ${node})` : ''}`);
    iptablesPath(sp, node, lines);
    nftablesPath(sp, node, lines);
    lines.push('');
  }
  for (const d of dropped) lines.push(`kube-proxy leaves out ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}: ${d.reason}`);
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
