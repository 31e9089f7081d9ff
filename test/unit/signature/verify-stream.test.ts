import { describe, expect, it } from '@jest/globals';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { Readable } from 'node:stream';
import { generateSigningKey } from '../../../src/signature/keygen.js';
import { signStream } from '../../../src/signature/sign.js';
import { verifyImageStream } from '../../../src/signature/verify-stream.js';

const chunks = [Buffer.alloc(1000, 1), Buffer.alloc(2000, 2), Buffer.alloc(500, 3)];
const key = generateSigningKey({ keyType: 'ECC_SECP384R1', subject: 'CN=Stream Test', days: 1 });

function iterate(): AsyncIterable<Uint8Array> {
  return Readable.from(chunks);
}

async function signChunks(): Promise<string> {
  const signed = await signStream(iterate(), createPrivateKey(key.privateKeyPem), 'SHA-512');
  return signed.img_signature;
}

describe('verifyImageStream', () => {
  it('reports progress, digest and fingerprint', async () => {
    const progress: number[] = [];
    const result = await verifyImageStream(
      iterate(),
      {
        signature: await signChunks(),
        hashMethod: 'SHA-512',
        keyType: 'ECC_SECP384R1',
        certificatePem: key.certificatePem,
      },
      { onProgress: (bytes) => progress.push(bytes), computeDigest: true },
    );
    expect(result.reason).toBe('Verified');
    expect(result.bytesRead).toBe(3500);
    expect(progress).toEqual([1000, 3000, 3500]);
    expect(result.dataDigest).toBe(
      createHash('sha512').update(Buffer.concat(chunks)).digest('hex'),
    );
    expect(result.certificateFingerprint).toBe(
      new X509Certificate(key.certificatePem).fingerprint256,
    );
    expect(result.warnings).toEqual([]);
  });

  it('leaves out the digest unless requested', async () => {
    const result = await verifyImageStream(iterate(), {
      signature: await signChunks(),
      hashMethod: 'SHA-512',
      keyType: 'ECC_SECP384R1',
      certificatePem: key.certificatePem,
    });
    expect(result.verified).toBe(true);
    expect(result.dataDigest).toBeUndefined();
  });

  it('destroys an unread Readable on early failure', async () => {
    const stream = Readable.from(chunks);
    const result = await verifyImageStream(stream, {
      signature: await signChunks(),
      hashMethod: 'SHA512',
      keyType: 'ECC_SECP384R1',
      certificatePem: key.certificatePem,
    });
    expect(result.reason).toBe('InvalidHashMethod');
    expect(result.bytesRead).toBe(0);
    expect(stream.destroyed).toBe(true);
  });

  it('reports a wrong-length RSA signature before reading', async () => {
    const rsa = generateSigningKey({
      keyType: 'RSA-PSS',
      rsaBits: 2048,
      subject: 'CN=RSA',
      days: 1,
    });
    const result = await verifyImageStream(iterate(), {
      signature: Buffer.alloc(255, 1).toString('base64'),
      hashMethod: 'SHA-256',
      keyType: 'RSA-PSS',
      certificatePem: rsa.certificatePem,
    });
    expect(result.reason).toBe('InvalidSignature');
    expect(result.message).toContain(
      'decodes to 255 bytes, but an RSA-PSS signature for this 2048-bit key is 256 bytes',
    );
    expect(result.certificateFingerprint).toBe(
      new X509Certificate(rsa.certificatePem).fingerprint256,
    );
  });

  it('rejects a malformed ECDSA signature as a mismatch', async () => {
    const result = await verifyImageStream(iterate(), {
      signature: Buffer.from('not DER').toString('base64'),
      hashMethod: 'SHA-512',
      keyType: 'ECC_SECP384R1',
      certificatePem: key.certificatePem,
    });
    expect(result.reason).toBe('SignatureMismatch');
    expect(result.bytesRead).toBe(3500);
  });
});

describe('verifyImageStream trust notes', () => {
  it('explains skipped trusted certificates', async () => {
    const root = generateSigningKey({ keyType: 'ECC_SECP384R1', subject: 'CN=Leaf Only', days: 1 });
    const result = await verifyImageStream(iterate(), {
      signature: await signChunks(),
      hashMethod: 'SHA-512',
      keyType: 'ECC_SECP384R1',
      certificatePem: key.certificatePem,
      trustedCertificatesPem: [root.certificatePem, 'not a certificate'],
    });
    expect(result.reason).toBe('UntrustedCertificate');
    expect(result.bytesRead).toBe(0);
    expect(result.certificateFingerprint).toBe(
      new X509Certificate(key.certificatePem).fingerprint256,
    );
    expect(Object.keys(result).sort()).toEqual(
      ['bytesRead', 'certificateFingerprint', 'message', 'reason', 'verified', 'warnings'].sort(),
    );
    expect(result.message).toContain('no trusted certificate issued the certificate');
    expect(result.message).toContain(
      'trusted certificate "CN=Leaf Only" skipped: basicConstraints does not set CA:TRUE',
    );
    expect(result.message).toContain('trusted certificate 2 is not a PEM certificate');
  });
});
