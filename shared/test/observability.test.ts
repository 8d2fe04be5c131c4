import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, levelFor, newCounter, newRegistry, onShutdown, shutdown, startHealthServer, verbosityFromArgs } from '../src';

describe('logging', () => {
  it.each([
    [{}, [], 'info'],
    [{}, ['node', 'x', '--v=2'], 'debug'],
    [{}, ['node', 'x', '--v', '6'], 'trace'],
    [{}, ['node', 'x', '-v=1'], 'info'],
    [{ LOG_LEVEL: 'warn' }, ['node', 'x', '--v=6'], 'warn'],
    [{ LOG_LEVEL: 'bogus' }, [], 'info'],
  ] as const)('env %j argv %j → %s', (env, argv, want) => {
    expect(levelFor(env as NodeJS.ProcessEnv, argv)).toBe(want);
  });
  it('parses --v forms', () => {
    expect(verbosityFromArgs(['--v=3'])).toBe(3);
    expect(verbosityFromArgs(['--verbose'])).toBeUndefined();
  });
  it('writes JSON lines with the component', async () => {
    const lines: string[] = [];
    const dest = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger('test-comp', { level: 'info', destination: dest });
    log.info({ pod: 'a' }, 'hello');
    log.debug('hidden');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ component: 'test-comp', msg: 'hello', pod: 'a', level: 30 });
  });
});

describe('startHealthServer', () => {
  it('serves health, readiness and metrics', async () => {
    const registry = newRegistry('test');
    newCounter(registry, 'test_things_total', 'Things.', ['kind']).inc({ kind: 'a' }, 3);
    let ready = false;
    const hs = await startHealthServer({ host: '127.0.0.1', port: 0, registry, ready: () => ready });
    try {
      const base = `http://127.0.0.1:${hs.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${base}/livez`)).text()).toBe('ok');
      expect((await fetch(`${base}/readyz`)).status).toBe(500);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const m = await (await fetch(`${base}/metrics`)).text();
      expect(m).toContain('test_things_total{kind="a"} 3');
      expect(m).toContain('process_cpu_user_seconds_total');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await hs.close();
    }
  });
});

describe('shutdown', () => {
  it('runs every hook once, newest first, even when one fails', async () => {
    const ran: string[] = [];
    onShutdown(() => void ran.push('first'));
    onShutdown(async () => {
      await new Promise((r) => setTimeout(r, 5));
      ran.push('second');
    });
    const off = onShutdown(() => void ran.push('removed'));
    onShutdown(() => {
      throw new Error('hook failed');
    });
    off();
    await Promise.all([shutdown(0, false), shutdown(0, false)]);
    expect(ran).toEqual(['second', 'first']);
  });
});
