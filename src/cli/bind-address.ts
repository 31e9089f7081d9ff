import { InvalidArgumentError } from 'commander';

/** A listen address split into host and TCP port. */
export interface BindAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port`, `[ipv6]:port` or `:port` (all interfaces). Throws an
 * InvalidArgumentError naming the value and the expected form.
 */
export function parseBindAddress(value: string): BindAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    throw new InvalidArgumentError(
      `expected host:port such as 127.0.0.1:8080, [::1]:8080 or :8080, got "${value}"`,
    );
  }
  const host = match[1] ?? (match[2] === '' ? '0.0.0.0' : (match[2] ?? '0.0.0.0'));
  return { host, port };
}
