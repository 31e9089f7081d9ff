import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  checkValidity,
  parseCertificatePem,
  type Certificate,
} from '../../../src/signature/certificate.js';
import { verifyChain } from '../../../src/signature/chain.js';
import { generateSigningKey } from '../../../src/signature/keygen.js';
import { OpensslFixtures } from './openssl-fixtures.js';

const NOW = new Date('2031-05-01T12:00:00Z');

function parse(pem: string | Buffer): Certificate {
  const parsed = parseCertificatePem(pem);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.certificate;
}

let f: OpensslFixtures;
beforeAll(() => {
  f = new OpensslFixtures();
});
afterAll(() => {
  f.remove();
});

describe('parseCertificatePem', () => {
  it('reads CA extensions', () => {
    const root = parse(
      generateSigningKey({ keyType: 'ECC_SECP384R1', subject: 'CN=Root', days: 1, caPathLength: 2 })
        .certificatePem,
    );
    expect(root.fields.basicConstraints).toEqual({ ca: true, pathLength: 2 });
    expect(root.fields.keyCertSign).toBe(true);
    expect(root.fields.subjectKey).toBe(root.fields.issuerKey);
  });

  it('reads leaf extensions', () => {
    const leaf = parse(
      generateSigningKey({ keyType: 'ECC_SECP384R1', subject: 'CN=Leaf', days: 1 }).certificatePem,
    );
    expect(leaf.fields.basicConstraints).toEqual({ ca: false, pathLength: undefined });
    expect(leaf.fields.keyCertSign).toBe(false);
  });

  it('rejects DER, saying Glance needs PEM', () => {
    const pem = generateSigningKey({
      keyType: 'ECC_SECP384R1',
      subject: 'CN=Leaf',
      days: 1,
    }).certificatePem;
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\n/g, ''), 'base64');
    const parsed = parseCertificatePem(der);
    expect(parsed.ok).toBe(false);
    expect(parsed).toMatchObject({ reason: 'CertificateInvalid' });
    expect(JSON.stringify(parsed)).toContain('DER-encoded, but Glance needs PEM');
  });

  it('rejects garbage between PEM markers', () => {
    const parsed = parseCertificatePem(
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    );
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed)).toContain('could not be parsed');
  });
});

describe('checkValidity', () => {
  const certificate = parse(
    generateSigningKey({ keyType: 'ECC_SECP384R1', subject: 'CN=Dated', days: 10, now: NOW })
      .certificatePem,
  );
  const notAfter = new Date(NOW.getTime() + 10 * 86_400_000);

  it('includes both ends of the window', () => {
    expect(checkValidity(certificate, NOW)).toBeUndefined();
    expect(checkValidity(certificate, notAfter)).toBeUndefined();
  });

  it('reports one second outside the window', () => {
    expect(checkValidity(certificate, new Date(NOW.getTime() - 1000))?.reason).toBe(
      'CertificateNotYetValid',
    );
    expect(checkValidity(certificate, new Date(notAfter.getTime() + 1000))?.reason).toBe(
      'CertificateExpired',
    );
  });
});

describe('verifyChain', () => {
  it('accepts a root without pathlen only when told to', () => {
    const root = f.selfSigned('open-root', 'ec:secp384r1', 'ca_no_pathlen');
    const leaf = f.issued('open-leaf', 'ec:secp384r1', root, 'leaf');
    const [rootCert, leafCert] = [parse(readFileSync(root.cert)), parse(readFileSync(leaf.cert))];
    const now = new Date();

    const strict = verifyChain(leafCert, [rootCert], { now });
    expect(strict.ok).toBe(false);
    expect(JSON.stringify(strict)).toContain('has no pathLenConstraint');
    expect(verifyChain(leafCert, [rootCert], { now, absentPathLength: 'unlimited' }).ok).toBe(true);
  });

  it('says why a trusted certificate was skipped', () => {
    const root = f.selfSigned('plain-root', 'ec:secp384r1', 'ca_no_certsign');
    const leaf = f.issued('plain-leaf', 'ec:secp384r1', root, 'leaf');
    const result = verifyChain(parse(readFileSync(leaf.cert)), [parse(readFileSync(root.cert))], {
      now: new Date(),
    });
    expect(result.ok).toBe(false);
    expect(result.skipped).toEqual([
      'trusted certificate "CN=plain-root" skipped: keyUsage lacks keyCertSign',
    ]);
  });

  it('returns the chain root first', () => {
    const root = generateSigningKey({
      keyType: 'ECC_SECP384R1',
      subject: 'CN=Root',
      days: 5,
      caPathLength: 1,
      now: NOW,
    });
    const intermediate = generateSigningKey({
      keyType: 'ECC_SECP521R1',
      subject: 'CN=Intermediate',
      days: 5,
      caPathLength: 0,
      issuer: root,
      now: NOW,
    });
    const leaf = generateSigningKey({
      keyType: 'ECC_SECP384R1',
      subject: 'CN=Leaf',
      days: 5,
      issuer: intermediate,
      now: NOW,
    });
    const result = verifyChain(
      parse(leaf.certificatePem),
      [parse(intermediate.certificatePem), parse(root.certificatePem)],
      { now: NOW },
    );
    expect(result.ok && result.chain.map((c) => c.x509.subject)).toEqual([
      'CN=Root',
      'CN=Intermediate',
      'CN=Leaf',
    ]);
  });
});
