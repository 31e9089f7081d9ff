import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VerificationReason } from '../../../src/signature/result.js';
import { verifyImageStream } from '../../../src/signature/verify-stream.js';
import { OpensslFixtures, type Issued } from './openssl-fixtures.js';

/** One verification: inputs for both verifiers and the reason this project must return. */
interface Case {
  readonly name: string;
  readonly data: string;
  readonly signature: string;
  readonly hashMethod: string;
  readonly keyType: string;
  readonly certificate: string;
  readonly trusted?: readonly string[];
  readonly clockOffsetSeconds?: number;
  readonly expected: VerificationReason;
  /** Reason cursive's verdict differs on purpose, set only for such cases. */
  readonly cursiveDiffers?: string;
}

const PYTHON = '/usr/bin/python3';
const CURSIVE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'cursive_verify.py');
const HASHES = [
  ['SHA-224', 'sha224'],
  ['SHA-256', 'sha256'],
  ['SHA-384', 'sha384'],
  ['SHA-512', 'sha512'],
] as const;
const DAY = 86_400;

let fixtures: OpensslFixtures;
const cases: Case[] = [];

/** Builds every key, certificate and signature of the matrix with the openssl command. */
function buildCases(f: OpensslFixtures): void {
  const data = f.write(
    'image.bin',
    Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)),
  );
  const tampered = f.write('tampered.bin', Buffer.concat([readFileSync(data), Buffer.from([0])]));
  const b64 = (signature: Buffer): string => signature.toString('base64');
  const add = (c: Omit<Case, 'data'> & { data?: string }): void => {
    cases.push({ data, ...c });
  };

  const rsa = f.selfSigned('rsa2048', 'rsa:2048', 'leaf');
  const rsa3072 = f.selfSigned('rsa3072', 'rsa:3072', 'leaf');
  const dsa = f.selfSigned('dsa2048', 'dsa:2048', 'leaf');
  const ecKeys: [string, Issued][] = [
    ['ECC_SECP384R1', f.selfSigned('p384', 'ec:secp384r1', 'leaf')],
    ['ECC_SECP521R1', f.selfSigned('p521', 'ec:secp521r1', 'leaf')],
    ['ECC_SECT409K1', f.selfSigned('sect409k1', 'ec:sect409k1', 'leaf')],
    ['ECC_SECT571R1', f.selfSigned('sect571r1', 'ec:sect571r1', 'leaf')],
  ];

  for (const [method, hash] of HASHES) {
    const common = { hashMethod: method, expected: 'Verified' as const };
    add({
      ...common,
      name: `RSA-2048 PSS max salt ${method}`,
      keyType: 'RSA-PSS',
      certificate: rsa.cert,
      signature: b64(f.sign(rsa.key, hash, data, 'max')),
    });
    add({
      ...common,
      name: `RSA-3072 PSS max salt ${method}`,
      keyType: 'RSA-PSS',
      certificate: rsa3072.cert,
      signature: b64(f.sign(rsa3072.key, hash, data, 'max')),
    });
    add({
      ...common,
      name: `DSA-2048 ${method}`,
      keyType: 'DSA',
      certificate: dsa.cert,
      signature: b64(f.sign(dsa.key, hash, data)),
    });
    for (const [keyType, ec] of ecKeys) {
      add({
        ...common,
        name: `${keyType} ${method}`,
        keyType,
        certificate: ec.cert,
        signature: b64(f.sign(ec.key, hash, data)),
      });
    }
  }

  const rsaSig = b64(f.sign(rsa.key, 'sha256', data, 'max'));
  const p384 = ecKeys[0]![1];
  const p521 = ecKeys[1]![1];
  const base = {
    hashMethod: 'SHA-256',
    keyType: 'RSA-PSS',
    certificate: rsa.cert,
    signature: rsaSig,
  };
  add({
    ...base,
    name: 'PSS digest-length salt',
    signature: b64(f.sign(rsa.key, 'sha256', data, 'digest')),
    expected: 'SignatureMismatch',
  });
  add({
    ...base,
    name: 'PKCS#1 v1.5 signature',
    signature: b64(f.sign(rsa.key, 'sha256', data)),
    expected: 'SignatureMismatch',
  });
  add({ ...base, name: 'RSA tampered data', data: tampered, expected: 'SignatureMismatch' });
  add({
    ...base,
    name: 'RSA other key',
    certificate: rsa3072.cert,
    signature: b64(f.sign(rsa3072.key, 'sha256', data, 'max')).slice(0, 344),
    expected: 'InvalidSignature',
  });
  add({
    ...base,
    name: 'signature hashed with SHA-384',
    hashMethod: 'SHA-256',
    signature: b64(f.sign(rsa.key, 'sha384', data, 'max')),
    expected: 'SignatureMismatch',
  });
  add({
    ...base,
    name: 'ECDSA tampered data',
    data: tampered,
    keyType: 'ECC_SECP384R1',
    certificate: p384.cert,
    signature: b64(f.sign(p384.key, 'sha256', data)),
    expected: 'SignatureMismatch',
  });
  add({
    ...base,
    name: 'DSA tampered data',
    data: tampered,
    keyType: 'DSA',
    certificate: dsa.cert,
    signature: b64(f.sign(dsa.key, 'sha256', data)),
    expected: 'SignatureMismatch',
  });
  add({
    ...base,
    name: 'P-521 key named ECC_SECP384R1',
    keyType: 'ECC_SECP384R1',
    certificate: p521.cert,
    signature: b64(f.sign(p521.key, 'sha256', data)),
    expected: 'Verified',
  });
  add({
    ...base,
    name: 'RSA key named ECC_SECP384R1',
    keyType: 'ECC_SECP384R1',
    expected: 'KeyTypeMismatch',
  });
  add({
    ...base,
    name: 'EC key named RSA-PSS',
    certificate: p384.cert,
    signature: b64(f.sign(p384.key, 'sha256', data)),
    expected: 'KeyTypeMismatch',
  });
  add({ ...base, name: 'RSA key named DSA', keyType: 'DSA', expected: 'KeyTypeMismatch' });
  add({ ...base, name: 'hash method SHA256', hashMethod: 'SHA256', expected: 'InvalidHashMethod' });
  add({
    ...base,
    name: 'hash method sha-256',
    hashMethod: 'sha-256',
    expected: 'InvalidHashMethod',
  });
  add({
    ...base,
    name: 'key type ECC_SECP256R1',
    keyType: 'ECC_SECP256R1',
    expected: 'UnsupportedKeyType',
  });
  add({ ...base, name: 'key type rsa-pss', keyType: 'rsa-pss', expected: 'UnsupportedKeyType' });
  add({
    ...base,
    name: 'signature not base64',
    signature: `${rsaSig.slice(0, -4)}@@@=`,
    expected: 'InvalidSignature',
  });
  add({
    ...base,
    name: 'signature truncated',
    signature: rsaSig.slice(0, 340),
    expected: 'InvalidSignature',
  });
  add({
    ...base,
    name: 'signature line-wrapped',
    signature: rsaSig.replace(/(.{64})/g, '$1\n'),
    expected: 'InvalidSignature',
    cursiveDiffers: "Python's b64decode drops the line breaks, so cursive verifies",
  });

  const der = f.write('rsa2048.der', f.openssl(['x509', '-in', rsa.cert, '-outform', 'der']));
  add({ ...base, name: 'DER certificate', certificate: der, expected: 'CertificateInvalid' });

  // Chains. cursive checks dates against its clock, so both verifiers get the same offset.
  const root = f.selfSigned('root', 'rsa:2048', 'ca_pathlen1', 3650);
  const intermediate = f.issued('intermediate', 'ec:secp384r1', root, 'ca_pathlen0', 3650);
  const leaf = f.issued('chain-leaf', 'rsa:2048', intermediate, 'leaf');
  const leafSig = b64(f.sign(leaf.key, 'sha256', data, 'max'));
  const chained = { ...base, certificate: leaf.cert, signature: leafSig };
  add({
    ...chained,
    name: 'chain to trusted root',
    trusted: [root.cert, intermediate.cert],
    expected: 'Verified',
  });
  add({
    ...chained,
    name: 'chain without root',
    trusted: [intermediate.cert],
    expected: 'UntrustedCertificate',
  });
  add({
    ...chained,
    name: 'chain without intermediate',
    trusted: [root.cert],
    expected: 'UntrustedCertificate',
  });
  add({ ...chained, name: 'empty trusted set', trusted: [], expected: 'UntrustedCertificate' });
  add({
    ...chained,
    name: 'leaf expired',
    trusted: [root.cert, intermediate.cert],
    clockOffsetSeconds: 60 * DAY,
    expected: 'CertificateExpired',
  });
  add({
    ...chained,
    name: 'leaf not yet valid',
    trusted: [root.cert, intermediate.cert],
    clockOffsetSeconds: -DAY,
    expected: 'CertificateNotYetValid',
  });

  const other = f.selfSigned('other-root', 'rsa:2048', 'ca_pathlen1', 3650);
  add({
    ...chained,
    name: 'certificate outside trusted chain',
    trusted: [other.cert],
    expected: 'UntrustedCertificate',
  });

  const noCertSign = f.selfSigned('no-certsign-root', 'rsa:2048', 'ca_no_certsign', 3650);
  const underNoCertSign = f.issued('under-no-certsign', 'rsa:2048', noCertSign, 'leaf');
  add({
    ...base,
    name: 'CA without keyCertSign',
    certificate: underNoCertSign.cert,
    signature: b64(f.sign(underNoCertSign.key, 'sha256', data, 'max')),
    trusted: [noCertSign.cert],
    expected: 'UntrustedCertificate',
  });

  const shortRoot = f.selfSigned('short-root', 'rsa:2048', 'ca_pathlen0', 3650);
  const shortIntermediate = f.issued(
    'short-intermediate',
    'rsa:2048',
    shortRoot,
    'ca_pathlen0',
    3650,
  );
  const deepLeaf = f.issued('deep-leaf', 'rsa:2048', shortIntermediate, 'leaf');
  add({
    ...base,
    name: 'path length exceeded',
    certificate: deepLeaf.cert,
    signature: b64(f.sign(deepLeaf.key, 'sha256', data, 'max')),
    trusted: [shortRoot.cert, shortIntermediate.cert],
    expected: 'UntrustedCertificate',
  });

  const openRoot = f.selfSigned('open-root', 'ec:secp521r1', 'ca_no_pathlen', 3650);
  const openLeaf = f.issued('open-leaf', 'rsa:2048', openRoot, 'leaf');
  add({
    ...base,
    name: 'root without pathlen',
    certificate: openLeaf.cert,
    signature: b64(f.sign(openLeaf.key, 'sha256', data, 'max')),
    trusted: [openRoot.cert],
    expected: 'UntrustedCertificate',
  });

  const directLeaf = f.issued('direct-leaf', 'dsa:2048', root, 'leaf');
  add({
    ...base,
    name: 'leaf issued by root',
    keyType: 'DSA',
    certificate: directLeaf.cert,
    signature: b64(f.sign(directLeaf.key, 'sha256', data)),
    trusted: [root.cert],
    expected: 'Verified',
  });
  add({
    ...base,
    name: 'trusted root expired',
    keyType: 'DSA',
    certificate: directLeaf.cert,
    signature: b64(f.sign(directLeaf.key, 'sha256', data)),
    trusted: [root.cert],
    clockOffsetSeconds: 4000 * DAY,
    expected: 'CertificateExpired',
  });
  add({
    ...base,
    name: 'self-signed CA trusted',
    certificate: root.cert,
    signature: b64(f.sign(root.key, 'sha256', data, 'max')),
    trusted: [root.cert],
    expected: 'Verified',
  });
  add({
    ...base,
    name: 'self-signed leaf trusted',
    trusted: [rsa.cert],
    expected: 'UntrustedCertificate',
  });
}

/** Opens the file only when the verifier starts reading, so an early failure opens nothing. */
async function* readLazily(path: string): AsyncIterable<Uint8Array> {
  yield* createReadStream(path) as AsyncIterable<Buffer>;
}

async function verifyOurs(c: Case) {
  const trusted = c.trusted?.map((path) => readFileSync(path));
  return verifyImageStream(
    readLazily(c.data),
    {
      signature: c.signature,
      hashMethod: c.hashMethod,
      keyType: c.keyType,
      certificatePem: readFileSync(c.certificate),
      ...(trusted ? { trustedCertificatesPem: trusted } : {}),
    },
    { now: () => new Date(Date.now() + (c.clockOffsetSeconds ?? 0) * 1000) },
  );
}

beforeAll(() => {
  fixtures = new OpensslFixtures();
  buildCases(fixtures);
}, 120_000);

afterAll(() => {
  fixtures.remove();
});

describe('verifyImageStream matrix', () => {
  it('returns the expected reason for every case', async () => {
    const actual: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const c of cases) {
      const result = await verifyOurs(c);
      actual[c.name] = result.reason;
      expected[c.name] = c.expected;
      expect(result.verified).toBe(result.reason === 'Verified');
      expect(result.message.length).toBeGreaterThan(0);
    }
    expect(actual).toEqual(expected);
  }, 60_000);

  it('matches cursive on every case', async () => {
    if (!existsSync(PYTHON) || spawnCursiveProbe() !== 0) {
      throw new Error(
        `${PYTHON} cannot import cursive; install python3-cursive with hack/provision.sh (Debian package python3-cursive)`,
      );
    }
    const input = fixtures.write('cases.json', JSON.stringify(cases));
    const output = execFileSync(PYTHON, [CURSIVE_SCRIPT], {
      input: readFileSync(input),
      maxBuffer: 16 << 20,
    });
    const verdicts = JSON.parse(output.toString()) as { verified: boolean; error: string | null }[];

    const ours: Record<string, boolean> = {};
    const theirs: Record<string, boolean> = {};
    for (const [index, c] of cases.entries()) {
      const result = await verifyOurs(c);
      const cursive = verdicts[index];
      ours[c.name] = c.cursiveDiffers ? !result.verified : result.verified;
      theirs[c.name] = cursive?.verified ?? false;
    }
    expect(ours).toEqual(theirs);
  }, 120_000);
});

function spawnCursiveProbe(): number {
  try {
    execFileSync(PYTHON, ['-c', 'import cursive.signature_utils'], { stdio: 'ignore' });
    return 0;
  } catch {
    return 1;
  }
}
