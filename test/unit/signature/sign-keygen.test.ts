import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HashMethod, KeyType } from '../../../src/api/signed-image.js';
import { generateSigningKey } from '../../../src/signature/keygen.js';
import { signStream } from '../../../src/signature/sign.js';
import { verifyImageStream } from '../../../src/signature/verify-stream.js';
import { OpensslFixtures } from './openssl-fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
const PYTHON = '/usr/bin/python3';

let f: OpensslFixtures;
let data: string;

beforeAll(() => {
  f = new OpensslFixtures();
  data = f.write('image.bin', Buffer.alloc(200_000, 'glance image data '));
});

afterAll(() => {
  f.remove();
});

interface Signed {
  readonly name: string;
  readonly keyType: KeyType;
  readonly hashMethod: HashMethod;
  readonly signature: string;
  readonly certificate: string;
  readonly trusted?: string[];
}

const KEY_TYPES: KeyType[] = ['RSA-PSS', 'DSA', 'ECC_SECP384R1', 'ECC_SECP521R1', 'ECC_SECT571K1'];
const signed: Signed[] = [];

async function signWith(keyPem: string, hashMethod: HashMethod): Promise<string> {
  const properties = await signStream(createReadStream(data), createPrivateKey(keyPem), hashMethod);
  return properties.img_signature;
}

function opensslVerifies(
  certificate: string,
  keyType: KeyType,
  hashMethod: HashMethod,
  signature: string,
): boolean {
  const publicKey = f.write(
    'public.pem',
    f.openssl(['x509', '-in', certificate, '-noout', '-pubkey']),
  );
  const sigFile = f.write('signature.bin', Buffer.from(signature, 'base64'));
  const pss =
    keyType === 'RSA-PSS'
      ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:max']
      : [];
  const hash = `-${hashMethod.replace('-', '').toLowerCase()}`;
  const result = spawnSync('openssl', [
    'dgst',
    hash,
    '-verify',
    publicKey,
    ...pss,
    '-signature',
    sigFile,
    data,
  ]);
  return result.status === 0 && result.stdout.toString().includes('Verified OK');
}

describe('signStream and generateSigningKey', () => {
  it.each(KEY_TYPES)(
    '%s signatures verify with openssl and verifyImageStream',
    async (keyType) => {
      const generated = generateSigningKey({
        keyType,
        rsaBits: 2048,
        subject: `CN=${keyType} signer,O=Test`,
        days: 2,
      });
      const certificate = f.write(`${keyType}.pem`, generated.certificatePem);
      f.openssl(['x509', '-in', certificate, '-noout', '-text']);

      for (const hashMethod of ['SHA-256', 'SHA-512'] as const) {
        const signature = await signWith(generated.privateKeyPem, hashMethod);
        expect(opensslVerifies(certificate, keyType, hashMethod, signature)).toBe(true);
        const result = await verifyImageStream(createReadStream(data), {
          signature,
          hashMethod,
          keyType,
          certificatePem: generated.certificatePem,
        });
        expect(result.reason).toBe('Verified');
        signed.push({
          name: `${keyType} ${hashMethod}`,
          keyType,
          hashMethod,
          signature,
          certificate,
        });
      }
    },
    60_000,
  );

  it('rejects a key type that does not match the key', async () => {
    const generated = generateSigningKey({ keyType: 'ECC_SECP384R1', subject: 'CN=x', days: 1 });
    await expect(
      signStream(
        createReadStream(data),
        createPrivateKey(generated.privateKeyPem),
        'SHA-256',
        'ECC_SECP521R1',
      ),
    ).rejects.toThrow('pass --key-type ECC_SECP384R1');
  });

  it('issues a chain that openssl and verifyImageStream accept', async () => {
    const root = generateSigningKey({
      keyType: 'ECC_SECP384R1',
      subject: 'CN=Test Root,O=Test',
      days: 10,
      caPathLength: 1,
    });
    const intermediate = generateSigningKey({
      keyType: 'RSA-PSS',
      rsaBits: 2048,
      subject: 'CN=Test Intermediate',
      days: 5,
      caPathLength: 0,
      issuer: root,
    });
    const leaf = generateSigningKey({
      keyType: 'DSA',
      subject: 'CN=Test Signer',
      days: 2,
      issuer: intermediate,
    });
    const rootFile = f.write('root.pem', root.certificatePem);
    const intermediateFile = f.write('intermediate.pem', intermediate.certificatePem);
    const leafFile = f.write('leaf.pem', leaf.certificatePem);

    const output = f
      .openssl(['verify', '-CAfile', rootFile, '-untrusted', intermediateFile, leafFile])
      .toString();
    expect(output).toContain('OK');

    const signature = await signWith(leaf.privateKeyPem, 'SHA-384');
    const result = await verifyImageStream(createReadStream(data), {
      signature,
      hashMethod: 'SHA-384',
      keyType: 'DSA',
      certificatePem: leaf.certificatePem,
      trustedCertificatesPem: [root.certificatePem, intermediate.certificatePem],
    });
    expect(result.reason).toBe('Verified');
    signed.push({
      name: 'issued chain',
      keyType: 'DSA',
      hashMethod: 'SHA-384',
      signature,
      certificate: leafFile,
      trusted: [rootFile, intermediateFile],
    });
  }, 60_000);

  it('rejects a CA key that does not match the CA certificate', () => {
    const root = generateSigningKey({
      keyType: 'ECC_SECP384R1',
      subject: 'CN=Root',
      days: 1,
      caPathLength: 0,
    });
    const other = generateSigningKey({ keyType: 'ECC_SECP384R1', subject: 'CN=Other', days: 1 });
    expect(() =>
      generateSigningKey({
        keyType: 'DSA',
        subject: 'CN=x',
        days: 1,
        issuer: { privateKeyPem: other.privateKeyPem, certificatePem: root.certificatePem },
      }),
    ).toThrow('does not belong to the CA certificate');
  });

  it('produces signatures cursive verifies', () => {
    expect(signed.length).toBe(KEY_TYPES.length * 2 + 1);
    const probe = spawnSync(PYTHON, ['-c', 'import cursive.signature_utils']);
    if (probe.status !== 0) {
      throw new Error(
        `${PYTHON} cannot import cursive; install python3-cursive with hack/provision.sh`,
      );
    }
    const cases = signed.map((s) => ({ ...s, data }));
    const output = execFileSync(PYTHON, [join(HERE, 'cursive_verify.py')], {
      input: JSON.stringify(cases),
    });
    const verdicts = JSON.parse(output.toString()) as { verified: boolean; error: string | null }[];
    const byName = Object.fromEntries(
      signed.map((s, i) => [s.name, verdicts[i]?.error ?? 'verified']),
    );
    expect(byName).toEqual(Object.fromEntries(signed.map((s) => [s.name, 'verified'])));
  }, 60_000);
});

describe('sign, verify and keygen commands', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'cli-entry.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });

  it('rejects --path-length without --ca', () => {
    const result = cli(
      'keygen',
      '--out-key',
      f.path('no-ca.key'),
      '--out-cert',
      f.path('no-ca.pem'),
      '--path-length',
      '2',
    );
    expect(result.stderr).toContain('--path-length applies only to a CA certificate');
    expect(result.status).toBe(2);
  }, 60_000);

  it('round-trips keygen, sign and verify', () => {
    const key = f.path('cli.key');
    const cert = f.path('cli.pem');
    const keygen = cli(
      'keygen',
      '--key-type',
      'ECC_SECP521R1',
      '--out-key',
      key,
      '--out-cert',
      cert,
      '--days',
      '3',
    );
    expect(keygen.stderr).toContain('mode 0600');
    expect(keygen.status).toBe(0);
    expect(statSync(key).mode & 0o777).toBe(0o600);

    const again = cli(
      'keygen',
      '--key-type',
      'ECC_SECP521R1',
      '--out-key',
      key,
      '--out-cert',
      cert,
    );
    expect(again.stderr).toContain('already exists');
    expect(again.status).toBe(2);

    const sign = cli('sign', '--key', key, '--hash-method', 'SHA-384', data);
    expect(sign.status).toBe(0);
    const lines = sign.stdout.trim().split('\n');
    expect(lines).toContain('--property img_signature_hash_method=SHA-384');
    expect(lines).toContain('--property img_signature_key_type=ECC_SECP521R1');
    const signature =
      lines
        .find((line) => line.startsWith('--property img_signature='))
        ?.split('=')
        .slice(1)
        .join('=') ?? '';

    const common = [
      '--certificate',
      cert,
      '--signature',
      signature,
      '--hash-method',
      'SHA-384',
      '--key-type',
      'ECC_SECP521R1',
    ];
    const verified = cli('verify', ...common, data);
    expect(verified.stdout).toContain('verified:');
    expect(verified.status).toBe(0);

    const tampered = f.write(
      'cli-tampered.bin',
      Buffer.concat([readFileSync(data), Buffer.from('x')]),
    );
    const mismatch = cli('verify', ...common, tampered);
    expect(mismatch.stdout).toContain('not verified (SignatureMismatch)');
    expect(mismatch.status).toBe(1);

    const missing = cli('verify', '--certificate', cert, data);
    expect(missing.status).toBe(2);
  }, 120_000);
});
