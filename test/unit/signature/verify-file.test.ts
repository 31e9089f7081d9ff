import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { generateSigningKey } from '../../../src/signature/keygen.js';
import { FILE_READ_BUFFER_BYTES, readFileChunks } from '../../../src/signature/read-file-chunks.js';
import { signFile, signStream } from '../../../src/signature/sign.js';
import { verifyImageFile } from '../../../src/signature/verify-file.js';
import { verifyImageStream, type SignatureInput } from '../../../src/signature/verify-stream.js';

/** Small read buffer, so a 10 000-byte file takes three reads and the last one is partial. */
const BUFFER_BYTES = 4096;
const key = generateSigningKey({ keyType: 'ECC_SECP384R1', subject: 'CN=File Test', days: 1 });
const privateKey = createPrivateKey(key.privateKeyPem);

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'verify-file-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes the data to a new file in the test directory and returns its path. */
function writeImage(name: string, data: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** Signs the data from memory, so the file reader under test plays no part in the signature. */
async function inputFor(data: Buffer): Promise<SignatureInput> {
  const signed = await signStream(Readable.from([data]), privateKey, 'SHA-512');
  return {
    signature: signed.img_signature,
    hashMethod: 'SHA-512',
    keyType: 'ECC_SECP384R1',
    certificatePem: key.certificatePem,
  };
}

function flipByte(data: Buffer, offset: number): Buffer {
  const copy = Buffer.from(data);
  copy[offset] = (copy[offset] ?? 0) ^ 0x01;
  return copy;
}

describe('verifyImageFile', () => {
  const data = randomBytes(10_000);

  it('verifies a file larger than the buffer', async () => {
    const path = writeImage('larger.bin', data);
    const progress: number[] = [];
    const result = await verifyImageFile(path, await inputFor(data), {
      bufferBytes: BUFFER_BYTES,
      onProgress: (bytes) => progress.push(bytes),
      computeDigest: true,
    });
    expect(result.reason).toBe('Verified');
    expect(result.verified).toBe(true);
    expect(result.bytesRead).toBe(10_000);
    expect(progress).toEqual([4096, 8192, 10_000]);
    expect(result.dataDigest).toBe(createHash('sha512').update(data).digest('hex'));
  });

  it('returns the same result as verifyImageStream', async () => {
    const path = writeImage('same.bin', data);
    const input = await inputFor(data);
    const fromFile = await verifyImageFile(path, input, {
      bufferBytes: BUFFER_BYTES,
      computeDigest: true,
    });
    const fromStream = await verifyImageStream(Readable.from([data]), input, {
      computeDigest: true,
    });
    expect(fromFile).toEqual(fromStream);
  });

  it('verifies a file smaller than the buffer', async () => {
    const small = data.subarray(0, 3000);
    const path = writeImage('smaller.bin', small);
    const progress: number[] = [];
    const result = await verifyImageFile(path, await inputFor(small), {
      bufferBytes: BUFFER_BYTES,
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(result.reason).toBe('Verified');
    expect(result.bytesRead).toBe(3000);
    expect(progress).toEqual([3000]);
  });

  it('verifies a file of whole buffers', async () => {
    const whole = data.subarray(0, 2 * BUFFER_BYTES);
    const path = writeImage('whole.bin', whole);
    const progress: number[] = [];
    const result = await verifyImageFile(path, await inputFor(whole), {
      bufferBytes: BUFFER_BYTES,
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(result.reason).toBe('Verified');
    expect(progress).toEqual([4096, 8192]);
  });

  it('verifies an empty file', async () => {
    const path = writeImage('empty.bin', Buffer.alloc(0));
    const progress: number[] = [];
    const result = await verifyImageFile(path, await inputFor(Buffer.alloc(0)), {
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(result.reason).toBe('Verified');
    expect(result.bytesRead).toBe(0);
    expect(progress).toEqual([]);
  });

  // Offsets at the start, around the first buffer boundary, in the middle and at the last byte,
  // which the final, partial read fills.
  it.each([0, 4095, 4096, 5000, 9999])('rejects a byte changed at %i', async (offset) => {
    const path = writeImage(`tampered-${offset}.bin`, flipByte(data, offset));
    const result = await verifyImageFile(path, await inputFor(data), {
      bufferBytes: BUFFER_BYTES,
    });
    expect(result.reason).toBe('SignatureMismatch');
    expect(result.verified).toBe(false);
    expect(result.bytesRead).toBe(10_000);
  });

  describe('with the default buffer', () => {
    // Two and a half buffers, so the default size is reused and the last read is partial.
    const large = randomBytes(FILE_READ_BUFFER_BYTES * 2 + FILE_READ_BUFFER_BYTES / 2);

    it('verifies a file larger than the buffer', async () => {
      const path = writeImage('large.bin', large);
      const progress: number[] = [];
      const result = await verifyImageFile(path, await inputFor(large), {
        onProgress: (bytes) => progress.push(bytes),
      });
      expect(result.reason).toBe('Verified');
      expect(result.bytesRead).toBe(large.length);
      expect(progress).toEqual([FILE_READ_BUFFER_BYTES, 2 * FILE_READ_BUFFER_BYTES, large.length]);
    });

    it.each([
      ['first', 0],
      ['middle', Math.floor(large.length / 2)],
      ['last', large.length - 1],
    ])('rejects the %s byte changed', async (_name, offset) => {
      const path = writeImage(`large-tampered-${offset}.bin`, flipByte(large, offset));
      const result = await verifyImageFile(path, await inputFor(large));
      expect(result.reason).toBe('SignatureMismatch');
      expect(result.bytesRead).toBe(large.length);
    });
  });

  it('does not open the file when a check fails first', async () => {
    const input = { ...(await inputFor(data)), hashMethod: 'SHA512' };
    const result = await verifyImageFile(join(dir, 'missing.bin'), input);
    expect(result.reason).toBe('InvalidHashMethod');
    expect(result.bytesRead).toBe(0);
  });

  it('throws on a missing file', async () => {
    const missing = join(dir, 'missing.bin');
    await expect(verifyImageFile(missing, await inputFor(data))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('throws on an invalid buffer size', async () => {
    const path = writeImage('buffer-size.bin', data);
    await expect(verifyImageFile(path, await inputFor(data), { bufferBytes: 0 })).rejects.toThrow(
      'read buffer size 0 is invalid',
    );
  });
});

describe('readFileChunks', () => {
  it('reuses two buffers in turn', async () => {
    const data = randomBytes(10_000);
    const path = writeImage('chunks.bin', data);
    const views: { backing: ArrayBufferLike; offset: number }[] = [];
    const copies: Buffer[] = [];
    const total = await readFileChunks(
      path,
      (chunk) => {
        views.push({ backing: chunk.buffer, offset: chunk.byteOffset });
        copies.push(Buffer.from(chunk));
      },
      BUFFER_BYTES,
    );
    expect(total).toBe(10_000);
    expect(copies.map((copy) => copy.length)).toEqual([4096, 4096, 1808]);
    expect(Buffer.concat(copies).equals(data)).toBe(true);
    // The first and third reads share memory; the second used the other buffer.
    expect(views[2]).toEqual(views[0]);
    expect(views[1]).not.toEqual(views[0]);
  });
});

describe('signFile', () => {
  it('signs a file larger than the buffer', async () => {
    const data = randomBytes(FILE_READ_BUFFER_BYTES + 123);
    const path = writeImage('sign.bin', data);
    const signed = await signFile(path, privateKey, 'SHA-384');
    expect(signed.img_signature_hash_method).toBe('SHA-384');
    expect(signed.img_signature_key_type).toBe('ECC_SECP384R1');
    const result = await verifyImageStream(Readable.from([data]), {
      signature: signed.img_signature,
      hashMethod: 'SHA-384',
      keyType: 'ECC_SECP384R1',
      certificatePem: key.certificatePem,
    });
    expect(result.reason).toBe('Verified');
  });

  it('rejects a key type that does not match the key', async () => {
    const path = writeImage('sign-key-type.bin', Buffer.from('data'));
    await expect(signFile(path, privateKey, 'SHA-256', 'RSA-PSS')).rejects.toThrow(
      'pass --key-type ECC_SECP384R1',
    );
  });

  it('throws on a missing file', async () => {
    await expect(signFile(join(dir, 'missing.bin'), privateKey, 'SHA-256')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
