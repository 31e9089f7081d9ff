import { describe, expect, it } from '@jest/globals';
import { parseBindAddress } from '../../../src/cli/bind-address.js';

describe('parseBindAddress', () => {
  it.each([
    ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    [':9090', { host: '0.0.0.0', port: 9090 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['localhost:8443', { host: 'localhost', port: 8443 }],
  ])('parses %s', (value, expected) => {
    expect(parseBindAddress(value)).toEqual(expected);
  });

  it.each(['8080', '127.0.0.1', '127.0.0.1:70000', '::1:8080', 'host:port'])(
    'rejects %s',
    (value) => {
      expect(() => parseBindAddress(value)).toThrow(`got "${value}"`);
    },
  );
});
