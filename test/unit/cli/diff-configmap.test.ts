import { describe, expect, it } from '@jest/globals';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { diffConfigMap } from '../../../src/cli/commands/diff.js';

function configMap(data: Record<string, string>, binaryData?: Record<string, string>): V1ConfigMap {
  return {
    metadata: { name: 'glance-security', namespace: 'openstack' },
    data,
    ...(binaryData === undefined ? {} : { binaryData }),
  };
}

describe('diffConfigMap', () => {
  it('returns nothing for equal data', () => {
    const desired = configMap({ 'policy.yaml': 'a\n' });
    expect(diffConfigMap(configMap({ 'policy.yaml': 'a\n' }), desired)).toBe('');
  });

  it('shows every key as added without a live ConfigMap', () => {
    const output = diffConfigMap(undefined, configMap({ 'a.conf': 'x\n', 'b.conf': 'y\n' }));
    expect(output).toContain('--- /dev/null\n+++ rendered/openstack/glance-security/a.conf\n');
    expect(output).toContain('--- /dev/null\n+++ rendered/openstack/glance-security/b.conf\n');
  });

  it('shows a live-only key as removed', () => {
    const output = diffConfigMap(configMap({ 'old.conf': 'x\n' }), configMap({}));
    expect(output).toContain('--- live/openstack/glance-security/old.conf\n+++ /dev/null\n');
    expect(output).toContain('\n-x\n');
  });

  it('orders files by key', () => {
    const output = diffConfigMap(undefined, configMap({ 'b.conf': 'y\n', 'a.conf': 'x\n' }));
    expect(output.indexOf('a.conf')).toBeLessThan(output.indexOf('b.conf'));
  });

  it('lists binaryData keys as removed', () => {
    const live = configMap({ 'policy.yaml': 'a\n' }, { blob: 'AAAA' });
    expect(diffConfigMap(live, configMap({ 'policy.yaml': 'a\n' }))).toBe(
      'binaryData key openstack/glance-security/blob would be removed\n',
    );
  });
});
