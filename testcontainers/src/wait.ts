// The wait strategy of a cluster: not a fixed sleep but its stages in turn, each polled until done or
// the startup timeout: "apiserver" (ready, and the kubeconfig the container writes then), "nodes" (every
// expected node Ready with its podCIDR), "dns" (the DNS Service has a ready endpoint and answers for
// kubernetes.default). A stage that cannot finish fails at once when its container has exited, and the
// error carries the last log lines of the components in charge of the stage.
import type Dockerode from 'dockerode';
import { log, type BoundPorts, type ContainerRuntimeClient, type StartedTestContainer, type WaitStrategy } from 'testcontainers';
import { MiniK8sStartError, type LogTail, type Stage } from './errors';
import { apiGet } from './http';
import { credentialsOf, serverAt, serverNameFor, type Credentials } from './kubeconfig';
import { containerOutput, tailFile } from './logs';
import { endpointsReady, nodesProblem, notReadyNodes, type EndpointsLike, type NodeLike } from './readiness';

export const API_PORT = 6443;
export const KUBECONFIG_PATH = '/etc/minik8s/admin.kubeconfig';
export const LOG_DIR = '/var/log/minik8s';
const POLL_MS = 150;
/** Lines of each log in an error: enough for a component's usage text after its complaint. */
const TAIL_LINES = 40;
const DNS_NAME = 'kubernetes.default.svc.cluster.local';
const DNS_QUERY = `const r=new (require('dns').promises.Resolver)({timeout:1000,tries:1});r.setServers(['10.96.0.10']);r.resolve4('${DNS_NAME}').then((a)=>{console.log(a.join(','));process.exit(0)},(e)=>{console.error(e.code);process.exit(1)})`;

/** A node container besides the all-in-one, as the cluster's start knows it. */
export interface NodeStart {
  name: string;
  started?: Promise<StartedTestContainer>;
  container?: StartedTestContainer;
  error?: unknown;
}

export interface ClusterWaitContext {
  client: ContainerRuntimeClient;
  /** Where the mapped apiserver port is reached from here. */
  apiHost: string;
  /** The all-in-one's node first. */
  nodeNames: string[];
  dns: boolean;
  /** When start() began: errors say how long it took. */
  startedAt: number;
  /** The other nodes' containers, as they start. */
  nodes: NodeStart[];
  /** The kubeconfig as the container wrote it, once the apiserver is ready. */
  kubeconfig?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class StageFailed extends Error {}

export class ClusterWaitStrategy implements WaitStrategy {
  private timeoutMs = 60_000;
  private timeoutSet = false;

  constructor(private readonly ctx: ClusterWaitContext) {}

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }

  async waitUntilReady(container: Dockerode.Container, boundPorts: BoundPorts): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    const { ctx } = this;
    let stage: Stage = 'apiserver';
    let why = 'no answer yet';
    // each stage's end in Testcontainers' debug log (DEBUG=testcontainers*), from start()'s beginning
    const done = (what: string) =>
      log.info(`minik8s: ${what} after ${((Date.now() - ctx.startedAt) / 1000).toFixed(2)} s`, { containerId: container.id });
    try {
      await this.poll(container, deadline, async () => {
        const out = await containerOutput(container, 200);
        if (!out.includes('kubeconfig written')) return false;
        const r = await ctx.client.container.exec(container, ['cat', KUBECONFIG_PATH]);
        if (r.exitCode !== 0) return false;
        ctx.kubeconfig = r.stdout;
        return true;
      });
      const written = credentialsOf(ctx.kubeconfig!);
      const creds: Credentials = {
        ...written,
        server: serverAt(written.server, ctx.apiHost, boundPorts.getBinding(API_PORT)),
        servername: written.servername ?? serverNameFor(written.server, ctx.apiHost),
      };
      // and from here, through the mapped port
      await this.poll(container, deadline, async () => {
        const r = await apiGet(creds, '/readyz');
        if (r.status !== 200) why = `GET /readyz through the mapped port: HTTP ${r.status} ${r.text.slice(0, 200)}`;
        return r.status === 200;
      });
      done('apiserver ready, kubeconfig read');

      stage = 'nodes';
      let nodes: NodeLike[] = [];
      await this.poll(container, deadline, async () => {
        const failed = ctx.nodes.find((n) => n.error);
        if (failed) throw new StageFailed(`the container of ${failed.name} did not start: ${(failed.error as Error).message}`);
        const r = await apiGet(creds, '/api/v1/nodes');
        if (r.status !== 200) return void (why = `GET /api/v1/nodes: HTTP ${r.status}`);
        nodes = (r.json as { items: NodeLike[] }).items;
        const problem = nodesProblem(nodes, ctx.nodeNames);
        if (problem) why = problem;
        return !problem;
      });

      done(`${ctx.nodeNames.join(', ')} Ready`);
      if (!ctx.dns) return;
      stage = 'dns';
      why = 'the Service kube-system/kube-dns has no ready endpoint';
      await this.poll(container, deadline, async () => {
        const r = await apiGet(creds, '/api/v1/namespaces/kube-system/endpoints/kube-dns');
        return r.status === 200 && endpointsReady(r.json as EndpointsLike);
      });
      done('the DNS Service has a ready endpoint');
      why = `no answer for ${DNS_NAME} from 10.96.0.10`;
      await this.poll(
        container,
        deadline,
        async () => {
          const r = await ctx.client.container.exec(container, ['node', '-e', DNS_QUERY]);
          if (r.exitCode !== 0) why = `no answer for ${DNS_NAME} from 10.96.0.10 (${r.output.trim() || `exit ${r.exitCode}`})`;
          return r.exitCode === 0;
        },
        300,
      );
      done('the cluster DNS answers');
    } catch (e) {
      const detail =
        e instanceof StageFailed
          ? e.message
          : e instanceof Timeout
            ? `timed out after ${(this.timeoutMs / 1000).toFixed(1)} s: ${why}`
            : (e as Error).message;
      const logs = await this.tails(container, stage).catch((t: Error) => [{ what: 'logs', text: `(could not read them: ${t.message})` }]);
      throw new MiniK8sStartError(stage, detail, Date.now() - ctx.startedAt, logs, { cause: e });
    }
  }

  /** Call check until it says done; fails when the deadline passes or the container exits. */
  private async poll(
    container: Dockerode.Container,
    deadline: number,
    check: () => Promise<boolean | void>,
    everyMs = POLL_MS,
  ): Promise<void> {
    let lastInspect = 0;
    for (;;) {
      let done = false;
      try {
        done = (await check()) === true;
      } catch (e) {
        if (e instanceof StageFailed) throw e;
        // not reachable yet: try again
      }
      if (done) return;
      if (Date.now() - lastInspect > 1000) {
        lastInspect = Date.now();
        const state = (await container.inspect()).State;
        if (!state.Running)
          throw new StageFailed(`the container exited (code ${state.ExitCode}${state.OOMKilled ? ', killed for want of memory' : ''})`);
      }
      if (Date.now() > deadline) throw new Timeout();
      await sleep(everyMs);
    }
  }

  /** The last lines of the logs of whatever is in charge of the stage that failed. */
  private async tails(container: Dockerode.Container, stage: Stage): Promise<LogTail[]> {
    const { ctx } = this;
    const main = ctx.nodeNames[0];
    const file = (c: Dockerode.Container, name: string, node = main) =>
      tailFile(c, name === 'dockerd' ? '/var/log/dockerd.log' : `${LOG_DIR}/${name}.log`, TAIL_LINES).then((text) => ({
        what: `${name} on ${node}`,
        text,
      }));
    const out: Array<Promise<LogTail>> = [
      containerOutput(container).then((text) => ({ what: `the container of ${main} (its supervisor)`, text })),
    ];
    if (stage === 'apiserver') out.push(file(container, 'apiserver'), file(container, 'etcd'));
    if (stage === 'nodes' || stage === 'dns') {
      let items: NodeLike[] = [];
      let creds: Credentials | undefined;
      if (ctx.kubeconfig) creds = credentialsOf(ctx.kubeconfig);
      try {
        const port = (await container.inspect()).NetworkSettings.Ports[`${API_PORT}/tcp`]?.[0]?.HostPort;
        if (creds && port)
          items = (
            (await apiGet({ ...creds, server: serverAt(creds.server, ctx.apiHost, Number(port)) }, '/api/v1/nodes')).json as {
              items: NodeLike[];
            }
          ).items;
      } catch {
        // the apiserver is gone too: show every node's kubelet
      }
      const bad = stage === 'nodes' ? notReadyNodes(items, ctx.nodeNames) : [main];
      for (const name of bad) {
        const extra = ctx.nodes.find((n) => n.name === name);
        const c = name === main ? container : extra?.container && ctx.client.container.getById(extra.container.getId());
        if (!c) continue;
        out.push(file(c, 'kubelet', name), file(c, 'dockerd', name));
      }
      if (stage === 'nodes' && items.some((n) => !n.spec?.podCIDR)) out.push(file(container, 'controller-manager'));
      if (stage === 'dns') out.push(file(container, 'addons'), file(container, 'kube-proxy'), this.dnsPodLog(container));
    }
    return (await Promise.all(out)).filter((t) => t.text.trim() !== '' || t.what.includes('supervisor'));
  }

  /** The DNS pods' state and last log lines, from the node's Docker engine. */
  private async dnsPodLog(container: Dockerode.Container): Promise<LogTail> {
    const script =
      'for c in $(docker ps -aq --filter label=io.kubernetes.container.name=cluster-dns); do docker ps -a --filter id=$c --format "{{.Names}}: {{.Status}}"; docker logs --tail 15 $c 2>&1; done';
    const r = await this.ctx.client.container.exec(container, ['sh', '-c', script]);
    return { what: 'the cluster-dns pods', text: r.output.trim() || '(no cluster-dns container was created)' };
  }
}

class Timeout extends Error {}
