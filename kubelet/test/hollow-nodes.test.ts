import { describe, expect, it } from 'vitest';
import { hollowNodeName, parseHollowNodesArgs } from '../src/hollow';

describe('hollow-nodes arguments', () => {
  it('takes --count (both spellings) and passes every other flag to the kubelet flag parser', () => {
    expect(parseHollowNodesArgs(['--count', '100', '--master', 'http://x', '--capacity', 'cpu=4'])).toEqual({
      count: 100,
      kubelet: ['--master', 'http://x', '--capacity', 'cpu=4'],
    });
    expect(parseHollowNodesArgs(['--master=http://x', '--count=3'])).toEqual({ count: 3, kubelet: ['--master=http://x'] });
  });

  it.each([
    [[], '--count is required'],
    [['--count'], 'invalid value "" for --count'],
    [['--count', '0'], 'invalid value "0" for --count'],
    [['--count=ten'], 'invalid value "ten" for --count'],
    [['--count', '-1'], 'invalid value "-1" for --count'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseHollowNodesArgs(argv)).toThrow(message);
  });

  it('names nodes <prefix>-000, -001, ...', () => {
    expect([0, 7, 123].map((i) => hollowNodeName('hollow', i))).toEqual(['hollow-000', 'hollow-007', 'hollow-123']);
  });
});
