import { describe, expect, it } from '@jest/globals';
import { jobName } from '../../../src/kube/workloads.js';

const hash = 'abcdef0123456789'.repeat(4);

describe('jobName', () => {
  it('appends ten hex digits of the hash', () => {
    expect(jobName('glance-reconfigure', hash)).toBe('glance-reconfigure-abcdef0123');
  });

  it('fits a long prefix into 63 characters', () => {
    const name = jobName('a'.repeat(63), hash);

    expect(name).toHaveLength(63);
    expect(name.endsWith('-abcdef0123')).toBe(true);
  });

  it('drops a trailing dash of a cut prefix', () => {
    const name = jobName(`${'a'.repeat(51)}-b`, hash);

    expect(name).toBe(`${'a'.repeat(51)}-abcdef0123`);
  });
});
