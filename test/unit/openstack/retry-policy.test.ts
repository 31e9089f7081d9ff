import { describe, expect, it } from '@jest/globals';
import { OpenStackError } from '../../../src/openstack/errors.js';
import {
  isRetryable,
  MAX_RETRY_AFTER_SECONDS,
  parseRetryAfter,
} from '../../../src/openstack/retry-policy.js';
import { RequestTimeoutError } from '../../../src/openstack/transport.js';

function statusError(status: number): OpenStackError {
  return new OpenStackError({ service: 'glance', method: 'GET', path: '/v2/images', status });
}

function networkError(code: string): OpenStackError {
  const cause = Object.assign(new Error(`connect ${code}`), { code });
  return new OpenStackError({ service: 'glance', method: 'GET', path: '/v2/images' }, { cause });
}

describe('isRetryable', () => {
  it.each([
    ['500', statusError(500), true, true],
    ['502', statusError(502), true, true],
    ['503', statusError(503), true, true],
    ['429', statusError(429), true, true],
    ['400', statusError(400), true, false],
    ['401', statusError(401), true, false],
    ['403', statusError(403), true, false],
    ['404', statusError(404), true, false],
    ['409', statusError(409), true, false],
    ['ECONNRESET', networkError('ECONNRESET'), true, true],
    ['ECONNREFUSED', networkError('ECONNREFUSED'), true, true],
    ['unknown network code', networkError('ERR_SOMETHING'), true, false],
    ['POST 500', statusError(500), false, false],
    ['POST 503', statusError(503), false, true],
    ['POST 429', statusError(429), false, true],
    ['POST ECONNRESET', networkError('ECONNRESET'), false, false],
    ['POST ECONNREFUSED', networkError('ECONNREFUSED'), false, true],
  ])('classifies %s', (_name, error, idempotent, expected) => {
    expect(isRetryable(error, idempotent)).toBe(expected);
  });

  it('retries a timeout', () => {
    const error = new OpenStackError(
      { service: 'glance', method: 'GET', path: '/v2/images' },
      { cause: new RequestTimeoutError(10) },
    );
    expect(isRetryable(error, true)).toBe(true);
  });

  it('never retries other errors', () => {
    expect(isRetryable(new TypeError('bug'), true)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay seconds', () => {
    expect(parseRetryAfter('3')).toBe(3);
  });

  it('reads an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5);
  });

  it('caps long delays', () => {
    expect(parseRetryAfter('86400')).toBe(MAX_RETRY_AFTER_SECONDS);
  });

  it('ignores missing and invalid values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
