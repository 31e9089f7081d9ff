import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, EventsV1Api } from '@kubernetes/client-node';
import type { Condition } from '../../../src/api/common.js';
import { GROUP, IMAGE_SECURITY_POLICY, SIGNED_IMAGE, VERSION } from '../../../src/api/group.js';
import type { ImageSecurityPolicySpec } from '../../../src/api/image-security-policy.js';
import type { SignedImage, SignedImageSpec } from '../../../src/api/signed-image.js';
import { certificateSecretName } from '../../../src/controllers/signed-image/certificate.js';
import {
  startSignedImageController,
  type SignedImageControllerHandle,
} from '../../../src/controllers/signed-image.js';
import { mergePatchOptions } from '../../../src/kube/patch.js';
import { createLogger } from '../../../src/log.js';
import {
  connect,
  type GlanceImage,
  type OpenStackClients,
  type OpenStackLogger,
} from '../../../src/openstack/index.js';
import { parseCertificatePem } from '../../../src/signature/certificate.js';
import {
  adminKubeConfig,
  createNamespace,
  eventually,
  operatorKubeConfig,
} from '../../harness/cluster.js';
import { ensureLab, type LabEnv } from '../../harness/openstack.js';

const run = promisify(execFile);

// OpenStack calls take up to a few seconds each on a loaded 2-core machine.
jest.setTimeout(120_000);

const kube = adminKubeConfig();
const core = kube.makeApiClient(CoreV1Api);
const custom = kube.makeApiClient(CustomObjectsApi);
const eventsApi = kube.makeApiClient(EventsV1Api);
const log = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });

const prefix = `si-it-${Date.now()}`;
const INTERVAL = '2s';

let lab: LabEnv;
let cloudsYaml: string;
let admin: OpenStackClients;
let workDir: string;
let namespace: string;
let controller: SignedImageControllerHandle;
const createdImages: string[] = [];
const createdSecrets: string[] = [];
const operatorSecretNames: string[] = [];

/** Image ids of every GET /v2/images/{id}/file the operator sent. */
const downloads: string[] = [];
const countingLogger: OpenStackLogger = {
  info: () => undefined,
  warn: () => undefined,
  debug: (fields) => {
    const match = /^\/v2\/images\/([^/]+)\/file$/.exec(String(fields.path));
    if (fields.method === 'GET' && match?.[1] !== undefined && fields.status !== undefined) {
      downloads.push(match[1]);
    }
  },
};
const downloadsOf = (id: string): number => downloads.filter((entry) => entry === id).length;

// ---------------------------------------------------------------- openssl

interface KeyPair {
  readonly key: string;
  readonly cert: string;
  readonly certPem: string;
}

const CA_CONFIG = `[ ca ]
default_ca = ca_default
[ ca_default ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
`;

async function openssl(...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: workDir });
}

async function newKey(name: string, algorithm: 'rsa' | 'ec'): Promise<string> {
  const key = path.join(workDir, `${name}.key`);
  const options =
    algorithm === 'rsa'
      ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
      : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'];
  await openssl('genpkey', ...options, '-out', key);
  return key;
}

/** Creates a CA with pathlen 0, which cursive needs, in the work folder. */
async function createCa(): Promise<KeyPair> {
  const key = await newKey('ca', 'rsa');
  const cert = path.join(workDir, 'ca.pem');
  await openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-out',
    cert,
    '-days',
    '30',
    '-subj',
    `/CN=${prefix}-ca`,
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  await writeFile(path.join(workDir, 'ca.cnf'), CA_CONFIG);
  await writeFile(path.join(workDir, 'index.txt'), '');
  await writeFile(path.join(workDir, 'serial'), '01\n');
  return { key, cert, certPem: await readFile(cert, 'utf8') };
}

/** Issues a leaf certificate from the CA, valid now or within the given dates (YYYYMMDDHHMMSSZ). */
async function issue(
  name: string,
  algorithm: 'rsa' | 'ec',
  dates: { start: string; end: string } | undefined = undefined,
): Promise<KeyPair> {
  const key = await newKey(name, algorithm);
  const csr = path.join(workDir, `${name}.csr`);
  const cert = path.join(workDir, `${name}.pem`);
  await openssl('req', '-new', '-key', key, '-out', csr, '-subj', `/CN=${prefix}-${name}`);
  const validity =
    dates === undefined ? ['-days', '30'] : ['-startdate', dates.start, '-enddate', dates.end];
  await openssl(
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.pem',
    '-keyfile',
    'ca.key',
    '-in',
    csr,
    '-out',
    cert,
    '-extensions',
    'leaf',
    '-notext',
    ...validity,
  );
  return { key, cert, certPem: await readFile(cert, 'utf8') };
}

async function selfSigned(name: string): Promise<KeyPair> {
  const key = await newKey(name, 'rsa');
  const cert = path.join(workDir, `${name}.pem`);
  await openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-out',
    cert,
    '-days',
    '30',
    '-subj',
    `/CN=${prefix}-${name}`,
  );
  return { key, cert, certPem: await readFile(cert, 'utf8') };
}

/** Signs data as Glance expects: RSA-PSS with the maximum salt, or DER-encoded ECDSA. */
async function sign(
  key: string,
  data: Buffer,
  hash: 'sha256' | 'sha384',
  rsa: boolean,
): Promise<string> {
  const dataFile = path.join(workDir, `${randomUUID()}.bin`);
  const signatureFile = `${dataFile}.sig`;
  await writeFile(dataFile, data);
  const pss = rsa ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:max'] : [];
  await openssl('dgst', `-${hash}`, '-sign', key, ...pss, '-out', signatureFile, dataFile);
  return (await readFile(signatureFile)).toString('base64');
}

// ---------------------------------------------------------------- OpenStack and Kubernetes helpers

async function uploadImage(
  name: string,
  data: Buffer,
  properties: Record<string, string> = {},
): Promise<GlanceImage> {
  const image = await admin.glance.createImage({
    name,
    disk_format: 'raw',
    container_format: 'bare',
    visibility: 'private',
    ...properties,
  });
  createdImages.push(image.id);
  await admin.glance.uploadData(image.id, data);
  return admin.glance.getImage(image.id);
}

async function createSecret(name: string, data: Record<string, string>): Promise<void> {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  await core.createNamespacedSecret({ namespace, body: { metadata: { name }, data: encoded } });
}

async function createPolicy(name: string, secretName: string): Promise<void> {
  const spec: ImageSecurityPolicySpec = {
    propertyProtection: { format: 'roles', rules: [] },
    targets: { imageService: { configMapName: `${name}-config` } },
    openstack: { credentialsSecretRef: { name: secretName, key: 'clouds.yaml' }, cloud: 'admin' },
    trustedCertificates: [{ secretRef: { name: 'trusted-ca', key: 'ca.pem' } }],
  };
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: IMAGE_SECURITY_POLICY.plural,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: IMAGE_SECURITY_POLICY.kind,
      metadata: { name },
      spec,
    },
  });
}

async function createSignedImage(
  name: string,
  spec: Omit<SignedImageSpec, 'onFailure'> & Partial<SignedImageSpec>,
): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: SIGNED_IMAGE.plural,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: SIGNED_IMAGE.kind, metadata: { name }, spec },
  });
}

async function patchSpec(name: string, spec: Record<string, unknown>): Promise<void> {
  await custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: SIGNED_IMAGE.plural,
      name,
      body: { spec },
    },
    mergePatchOptions(),
  );
}

async function getSignedImage(name: string): Promise<SignedImage> {
  return (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: SIGNED_IMAGE.plural,
    name,
  })) as SignedImage;
}

function conditionOf(object: SignedImage, type: string): Condition | undefined {
  return object.status?.conditions?.find((condition) => condition.type === type);
}

/** Waits until the Verified condition has `reason`, and returns the SignedImage. */
async function waitForReason(
  name: string,
  reason: string,
  timeoutMs = 60_000,
): Promise<SignedImage> {
  return eventually(
    async () => {
      const object = await getSignedImage(name);
      return conditionOf(object, 'Verified')?.reason === reason ? object : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `${name} Verified reason ${reason}` },
  );
}

async function eventReasons(name: string): Promise<string[]> {
  const list = await eventsApi.listNamespacedEvent({ namespace });
  return list.items
    .filter((event) => event.regarding?.name === name)
    .map((event) => event.reason ?? '');
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') {
    throw new Error('no port assigned');
  }
  return address.port;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- fixtures

let ca: KeyPair;
let rsaLeaf: KeyPair;
let rsaCertificateId: string;
let signedData: Buffer;
let goodSignature: string;
let wrongSignature: string;
let signedImage: GlanceImage;

beforeAll(async () => {
  lab = await ensureLab();
  cloudsYaml = await readFile(lab.cloudsYamlPath, 'utf8');
  admin = await connect(cloudsYaml, 'admin');
  workDir = await mkdtemp(path.join(tmpdir(), 'signed-image-it-'));
  namespace = await createNamespace('signed-image');

  ca = await createCa();
  rsaLeaf = await issue('rsa-leaf', 'rsa');
  const stored = await admin.barbican.storeCertificate(`${prefix}-rsa-leaf`, rsaLeaf.certPem);
  createdSecrets.push(stored.id);
  rsaCertificateId = stored.id;

  signedData = randomBytes(1024 * 1024 + 123);
  goodSignature = await sign(rsaLeaf.key, signedData, 'sha256', true);
  wrongSignature = await sign(rsaLeaf.key, randomBytes(64), 'sha256', true);
  // Glance verifies the signature at upload with cursive, because all four properties are set.
  signedImage = await uploadImage(`${prefix}-signed`, signedData, {
    img_signature: goodSignature,
    img_signature_certificate_uuid: rsaCertificateId,
    img_signature_hash_method: 'SHA-256',
    img_signature_key_type: 'RSA-PSS',
  });

  await createSecret('openstack', { 'clouds.yaml': cloudsYaml });
  await createSecret('trusted-ca', { 'ca.pem': ca.certPem });
  await createPolicy('glance', 'openstack');

  controller = await startSignedImageController(operatorKubeConfig(), {
    log,
    namespace,
    workers: 4,
    retryBaseDelayMs: 500,
    pendingImageRequeueMs: 2000,
    unwatchedRequeueMs: 3000,
    openstack: { logger: countingLogger, retries: 1, timeoutMs: 15_000 },
  });
}, 5 * 60_000);

afterAll(async () => {
  await controller?.stop();
  for (const id of createdImages) {
    await admin.glance.deleteImage(id).catch(() => undefined);
  }
  for (const name of operatorSecretNames) {
    for (const secret of await admin.barbican.findSecrets(name).catch(() => [])) {
      createdSecrets.push(secret.secret_ref.split('/').pop() ?? '');
    }
  }
  for (const id of createdSecrets) {
    await admin.barbican.deleteSecret(id).catch(() => undefined);
  }
  if (workDir !== undefined) {
    await rm(workDir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- tests

describe('SignedImage with a Barbican certificate', () => {
  it('accepts the signed upload in Glance', () => {
    expect(signedImage.status).toBe('active');
    expect(signedImage.img_signature).toBe(goodSignature);
  });

  it('verifies the image', async () => {
    await createSignedImage('rsa', {
      policyRef: { name: 'glance' },
      image: { id: signedImage.id },
      signature: { value: goodSignature, hashMethod: 'SHA-256', keyType: 'RSA-PSS' },
      certificate: { barbicanSecretId: rsaCertificateId },
      reverifyInterval: INTERVAL,
    });

    const object = await waitForReason('rsa', 'Verified');

    expect(conditionOf(object, 'Verified')?.status).toBe('True');
    expect(conditionOf(object, 'Ready')?.status).toBe('True');
    expect(object.status?.imageId).toBe(signedImage.id);
    expect(object.status?.verifiedHash).toBe(signedImage.os_hash_value);
    expect(object.status?.certificateSecretId).toBe(rsaCertificateId);
    expect(object.status?.certificateFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(object.status?.lastVerified).toBeDefined();
    expect(object.status?.progress?.bytesVerified).toBe(signedData.length);
    expect(object.status?.observedGeneration).toBe(object.metadata.generation);
    expect(object.status?.deactivatedByOperator).toBeUndefined();
  });

  it('downloads once across requeues', async () => {
    const before = await getSignedImage('rsa');

    // Three reverify intervals: each requeue reads the image and finds the cache key unchanged.
    await sleep(6500);
    const after = await getSignedImage('rsa');

    expect(downloadsOf(signedImage.id)).toBe(1);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('restores a tampered property', async () => {
    await admin.glance.updateImage(signedImage.id, [
      { op: 'replace', path: '/img_signature', value: wrongSignature },
    ]);

    const restored = await eventually(
      async () => {
        const image = await admin.glance.getImage(signedImage.id);
        return image.img_signature === goodSignature ? image : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'img_signature restored' },
    );

    expect(restored.status).toBe('active');
    expect(await eventReasons('rsa')).toContain('PropertiesUpdated');
    expect(downloadsOf(signedImage.id)).toBe(1);
  });

  it('deactivates on a wrong signature', async () => {
    await patchSpec('rsa', { signature: { value: wrongSignature }, onFailure: 'Deactivate' });

    const object = await waitForReason('rsa', 'SignatureMismatch');
    const image = await admin.glance.getImage(signedImage.id);

    expect(conditionOf(object, 'Verified')?.status).toBe('False');
    expect(conditionOf(object, 'Ready')?.status).toBe('False');
    expect(image.status).toBe('deactivated');
    expect(image.img_signature).toBe(wrongSignature);
    expect(object.status?.deactivatedByOperator).toBe(true);
    expect(object.status?.verifiedHash).toBeUndefined();
    expect(await eventReasons('rsa')).toEqual(
      expect.arrayContaining(['SignatureMismatch', 'Deactivated']),
    );
  });

  it('reactivates once fixed', async () => {
    await patchSpec('rsa', { signature: { value: goodSignature } });

    const object = await waitForReason('rsa', 'Verified');
    const image = await admin.glance.getImage(signedImage.id);

    expect(image.status).toBe('active');
    expect(image.img_signature).toBe(goodSignature);
    expect(object.status?.deactivatedByOperator).toBeUndefined();
    expect(await eventReasons('rsa')).toContain('Reactivated');
    // The wrong signature needed one download; the fixed one matched the cached verdict.
    expect(downloadsOf(signedImage.id)).toBe(2);
  });
});

describe('SignedImage with a certificate from a Secret', () => {
  let ecImage: GlanceImage;
  let secretName: string;

  beforeAll(async () => {
    const ecLeaf = await issue('ec-leaf', 'ec');
    const data = randomBytes(256 * 1024);
    const signature = await sign(ecLeaf.key, data, 'sha384', false);
    ecImage = await uploadImage(`${prefix}-ecdsa`, data);
    const parsed = parseCertificatePem(ecLeaf.certPem);
    if (!parsed.ok) {
      throw new Error(parsed.message);
    }
    secretName = certificateSecretName(parsed.certificate.fingerprint);
    operatorSecretNames.push(secretName);

    // The private key sits in the same Secret key; only the certificate may reach Barbican.
    const privateKey = await readFile(ecLeaf.key, 'utf8');
    await createSecret('ec-cert', { 'tls.crt': `${ecLeaf.certPem}${privateKey}` });
    for (const name of ['ecdsa', 'ecdsa-again']) {
      await createSignedImage(name, {
        policyRef: { name: 'glance' },
        image: { name: `${prefix}-ecdsa`, owner: lab.admin.projectId },
        signature: { value: signature, hashMethod: 'SHA-384', keyType: 'ECC_SECP384R1' },
        certificate: { secretRef: { name: 'ec-cert', key: 'tls.crt' } },
      });
    }
  });

  it('verifies ECDSA P-384', async () => {
    const object = await waitForReason('ecdsa', 'Verified');
    const image = await admin.glance.getImage(ecImage.id);

    expect(object.status?.imageId).toBe(ecImage.id);
    expect(image.img_signature_key_type).toBe('ECC_SECP384R1');
    expect(image.img_signature_certificate_uuid).toBe(object.status?.certificateSecretId);
  });

  it('stores the certificate once', async () => {
    const first = await waitForReason('ecdsa', 'Verified');
    const second = await waitForReason('ecdsa-again', 'Verified');

    const secrets = await admin.barbican.findSecrets(secretName);
    const payload = await admin.barbican.getPayload(second.status?.certificateSecretId ?? '');

    expect(secrets).toHaveLength(1);
    expect(second.status?.certificateSecretId).toBe(first.status?.certificateSecretId);
    expect(payload.toString('utf8')).toContain('BEGIN CERTIFICATE');
    expect(payload.toString('utf8')).not.toContain('PRIVATE KEY');
  });
});

describe('SignedImage failure reasons', () => {
  // A signature of the right length for RSA-2048, so the certificate checks decide the reason.
  const base = (): Pick<SignedImageSpec, 'policyRef' | 'signature'> => ({
    policyRef: { name: 'glance' },
    signature: { value: wrongSignature, hashMethod: 'SHA-256', keyType: 'RSA-PSS' },
  });
  const queuedIds: string[] = [];
  const images = new Map<string, GlanceImage>();
  const afterAllCleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const ambiguous = `${prefix}-twin`;
    for (let i = 0; i < 2; i++) {
      const image = await admin.glance.createImage({
        name: ambiguous,
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'private',
      });
      createdImages.push(image.id);
      queuedIds.push(image.id);
    }
    for (const name of ['expired', 'untrusted', 'der', 'other-project']) {
      images.set(name, await uploadImage(`${prefix}-${name}`, randomBytes(1024)));
    }

    const expired = await issue('expired', 'rsa', {
      start: '20200101000000Z',
      end: '20210101000000Z',
    });
    const untrusted = await selfSigned('untrusted');
    for (const pair of [expired, untrusted]) {
      const parsed = parseCertificatePem(pair.certPem);
      if (parsed.ok)
        operatorSecretNames.push(certificateSecretName(parsed.certificate.fingerprint));
    }
    await createSecret('expired-cert', { 'tls.crt': expired.certPem });
    await createSecret('untrusted-cert', { 'tls.crt': untrusted.certPem });

    const derFile = path.join(workDir, 'rsa-leaf.der');
    await openssl('x509', '-in', rsaLeaf.cert, '-outform', 'der', '-out', derFile);
    const der = await admin.barbican.storeCertificate(`${prefix}-der`, await readFile(derFile));
    createdSecrets.push(der.id);
    const other = await connect(cloudsYaml, 'other-member');
    const foreign = await other.barbican.storeCertificate(`${prefix}-foreign`, rsaLeaf.certPem);
    await createSignedImageSet(der.id, foreign.id, ambiguous);
    // The other project's secret is deleted with its owner's token.
    afterAllCleanups.push(() => other.barbican.deleteSecret(foreign.id));
  });

  afterAll(async () => {
    for (const cleanup of afterAllCleanups) {
      await cleanup().catch(() => undefined);
    }
  });

  async function createSignedImageSet(
    derId: string,
    foreignId: string,
    ambiguous: string,
  ): Promise<void> {
    const idOf = (name: string): string => images.get(name)?.id ?? '';
    const specs: Record<string, Omit<SignedImageSpec, 'onFailure'>> = {
      missing: {
        ...base(),
        image: { id: randomUUID() },
        certificate: { barbicanSecretId: rsaCertificateId },
      },
      ambiguous: {
        ...base(),
        image: { name: ambiguous, owner: lab.admin.projectId },
        certificate: { barbicanSecretId: rsaCertificateId },
      },
      queued: {
        ...base(),
        image: { id: queuedIds[0] ?? '' },
        certificate: { barbicanSecretId: rsaCertificateId },
      },
      expired: {
        ...base(),
        image: { id: idOf('expired') },
        certificate: { secretRef: { name: 'expired-cert', key: 'tls.crt' } },
      },
      untrusted: {
        ...base(),
        image: { id: idOf('untrusted') },
        certificate: { secretRef: { name: 'untrusted-cert', key: 'tls.crt' } },
      },
      der: { ...base(), image: { id: idOf('der') }, certificate: { barbicanSecretId: derId } },
      'other-project': {
        ...base(),
        image: { id: idOf('other-project') },
        certificate: { barbicanSecretId: foreignId },
      },
    };
    for (const [name, spec] of Object.entries(specs)) {
      await createSignedImage(name, { ...spec, onFailure: 'Deactivate' });
    }
  }

  it.each([
    ['missing', 'ImageNotFound', 'False', 'was not found'],
    ['ambiguous', 'AmbiguousImage', 'False', 'images are named'],
    ['queued', 'ImageNotActive', 'Unknown', 'is queued'],
    ['expired', 'CertificateExpired', 'False', 'expired at'],
    ['untrusted', 'UntrustedCertificate', 'False', 'no trusted certificate issued'],
    ['der', 'CertificateInvalid', 'False', 'Glance needs PEM'],
    ['other-project', 'CertificateNotFound', 'False', 'another project'],
  ])('reports %s as %s', async (name, reason, status, text) => {
    const object = await waitForReason(name, reason);
    const verified = conditionOf(object, 'Verified');

    expect(verified?.status).toBe(status);
    expect(verified?.message).toContain(text);
    expect(conditionOf(object, 'Ready')?.status).toBe('False');
  });

  it('lists both ambiguous ids', async () => {
    const object = await waitForReason('ambiguous', 'AmbiguousImage');

    for (const id of queuedIds) {
      expect(conditionOf(object, 'Verified')?.message).toContain(id);
    }
  });

  it('deactivates on certificate verdicts', async () => {
    for (const name of ['expired', 'untrusted', 'der', 'other-project']) {
      const image = await admin.glance.getImage(images.get(name)?.id ?? '');
      expect(image.status).toBe('deactivated');
    }
  });

  it('never downloads for early failures', () => {
    for (const image of images.values()) {
      expect(downloadsOf(image.id)).toBe(0);
    }
  });
});

describe('SignedImage with OpenStack unreachable', () => {
  it('reports Unknown and leaves the image alone', async () => {
    const data = randomBytes(4096);
    const signature = await sign(rsaLeaf.key, data, 'sha256', true);
    const image = await uploadImage(`${prefix}-unreachable`, data);
    await createSecret('openstack-switch', { 'clouds.yaml': cloudsYaml });
    await createPolicy('switch', 'openstack-switch');
    await createSignedImage('unreachable', {
      policyRef: { name: 'switch' },
      image: { id: image.id },
      signature: { value: signature, hashMethod: 'SHA-256', keyType: 'RSA-PSS' },
      certificate: { barbicanSecretId: rsaCertificateId },
      onFailure: 'Deactivate',
      reverifyInterval: INTERVAL,
    });
    const verified = await waitForReason('unreachable', 'Verified');
    const before = await admin.glance.getImage(image.id);

    const port = await closedPort();
    const broken = cloudsYaml.replaceAll(
      /http:\/\/127\.0\.0\.1:\d+\/v3/g,
      `http://127.0.0.1:${port}/v3`,
    );
    await core.replaceNamespacedSecret({
      name: 'openstack-switch',
      namespace,
      body: {
        metadata: { name: 'openstack-switch' },
        data: { 'clouds.yaml': Buffer.from(broken).toString('base64') },
      },
    });
    const object = await waitForReason('unreachable', 'OpenStackUnavailable');
    const after = await admin.glance.getImage(image.id);

    expect(conditionOf(object, 'Verified')?.status).toBe('Unknown');
    expect(object.status?.lastVerified).toBe(verified.status?.lastVerified);
    expect(object.status?.deactivatedByOperator).toBeUndefined();
    expect(after.status).toBe('active');
    expect(after.updated_at).toBe(before.updated_at);
    expect(JSON.stringify(object.status)).not.toContain(lab.admin.password);
  });
});

describe('SignedImage moved to another image', () => {
  it('keeps both deactivations', async () => {
    const data = randomBytes(4096);
    const signature = await sign(rsaLeaf.key, data, 'sha256', true);
    const failing = await uploadImage(`${prefix}-moved-from`, randomBytes(4096));
    const deactivatedByAdmin = await uploadImage(`${prefix}-moved-to`, data);
    await admin.glance.deactivateImage(deactivatedByAdmin.id);
    await createSignedImage('moved', {
      policyRef: { name: 'glance' },
      image: { id: failing.id },
      signature: { value: signature, hashMethod: 'SHA-256', keyType: 'RSA-PSS' },
      certificate: { barbicanSecretId: rsaCertificateId },
      onFailure: 'Deactivate',
    });
    const failed = await waitForReason('moved', 'SignatureMismatch');
    expect(failed.status?.deactivatedByOperator).toBe(true);

    await patchSpec('moved', { image: { id: deactivatedByAdmin.id } });
    const moved = await eventually(
      async () => {
        const object = await getSignedImage('moved');
        return object.status?.imageId === deactivatedByAdmin.id ? object : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'moved to the second image' },
    );

    expect(conditionOf(moved, 'Verified')?.reason).toBe('ImageNotActive');
    expect(moved.status?.deactivatedByOperator).toBeUndefined();
    expect((await admin.glance.getImage(deactivatedByAdmin.id)).status).toBe('deactivated');
    expect((await admin.glance.getImage(failing.id)).status).toBe('deactivated');
    expect(await eventReasons('moved')).toContain('PreviousImageDeactivated');
  });
});
