import { constants, createPublicKey, createSign, type KeyObject, type Sign } from 'node:crypto';
import type { Readable } from 'node:stream';
import { KEY_TYPES, type HashMethod, type KeyType } from '../api/signed-image.js';
import { HASH_BYTES, KEY_TYPE_CURVE, NODE_HASH } from './properties.js';
import { readFileChunks } from './read-file-chunks.js';

/** The four values that go into Glance's `img_signature*` properties, less the certificate id. */
export interface SignedProperties {
  readonly img_signature: string;
  readonly img_signature_hash_method: HashMethod;
  readonly img_signature_key_type: KeyType;
}

/** Derives the key type from a private key: RSA-PSS, DSA or the `ECC_*` type of its curve. */
export function keyTypeOf(privateKey: KeyObject): KeyType {
  const type = privateKey.asymmetricKeyType;
  if (type === 'rsa') return 'RSA-PSS';
  if (type === 'dsa') return 'DSA';
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const match = KEY_TYPES.find(
    (keyType) => curve !== undefined && KEY_TYPE_CURVE[keyType] === curve,
  );
  if (type === 'ec' && match !== undefined) return match;
  const what =
    type === 'ec' ? `an EC key on ${curve ?? 'an unnamed curve'}` : `a ${type ?? 'unknown'} key`;
  throw new Error(
    `cannot sign for Glance with ${what}; use RSA, DSA or EC on ${Object.values(KEY_TYPE_CURVE).join(', ')}`,
  );
}

/**
 * Signs a stream as cursive expects: RSA-PSS with MGF1 and the maximum salt length, or DSA and
 * ECDSA with DER-encoded signatures. Reads the stream once in constant memory.
 */
export async function signStream(
  stream: AsyncIterable<Uint8Array> | Readable,
  privateKey: KeyObject,
  hashMethod: HashMethod,
  keyType: KeyType = keyTypeOf(privateKey),
): Promise<SignedProperties> {
  checkKeyType(privateKey, keyType);
  const signer = createSign(NODE_HASH[hashMethod]);
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    signer.update(chunk);
  }
  return finishSignature(signer, privateKey, hashMethod, keyType);
}

/**
 * Signs a local file as `signStream` does, reading it into one reused buffer. Node's `update`
 * passes each chunk to OpenSSL before it returns, so the next read may overwrite the buffer.
 * A file that cannot be opened or read throws.
 */
export async function signFile(
  path: string,
  privateKey: KeyObject,
  hashMethod: HashMethod,
  keyType: KeyType = keyTypeOf(privateKey),
): Promise<SignedProperties> {
  checkKeyType(privateKey, keyType);
  const signer = createSign(NODE_HASH[hashMethod]);
  await readFileChunks(path, (chunk) => signer.update(chunk));
  return finishSignature(signer, privateKey, hashMethod, keyType);
}

function checkKeyType(privateKey: KeyObject, keyType: KeyType): void {
  const actual = keyTypeOf(privateKey);
  if (actual !== keyType) {
    throw new Error(
      `key type ${keyType} does not match the private key, which is ${actual}; pass --key-type ${actual}`,
    );
  }
}

function finishSignature(
  signer: Sign,
  privateKey: KeyObject,
  hashMethod: HashMethod,
  keyType: KeyType,
): SignedProperties {
  let signature: Buffer;
  if (keyType === 'RSA-PSS') {
    const modulusBits = createPublicKey(privateKey).asymmetricKeyDetails?.modulusLength ?? 0;
    const saltLength = Math.ceil((modulusBits - 1) / 8) - HASH_BYTES[hashMethod] - 2;
    signature = signer.sign({
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength,
    });
  } else {
    signature = signer.sign({ key: privateKey, dsaEncoding: 'der' });
  }
  return {
    img_signature: signature.toString('base64'),
    img_signature_hash_method: hashMethod,
    img_signature_key_type: keyType,
  };
}
