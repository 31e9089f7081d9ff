import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { connect, OpenStackError, type OpenStackClients } from '../../../src/openstack/index.js';
import { ensureLab, type LabEnv } from '../../harness/openstack.js';

const run = promisify(execFile);

// Each call costs up to a few seconds on a loaded 2-core machine, and the openstack CLI more.
jest.setTimeout(120_000);

let lab: LabEnv;
let cloudsYaml: string;
let admin: OpenStackClients;
let member: OpenStackClients;
let workDir: string;
const createdImages: string[] = [];
const createdSecrets: string[] = [];
const prefix = `client-it-${Date.now()}`;

beforeAll(async () => {
  lab = await ensureLab();
  cloudsYaml = await readFile(lab.cloudsYamlPath, 'utf8');
  admin = await connect(cloudsYaml, 'admin');
  member = await connect(cloudsYaml, 'member');
  workDir = await mkdtemp(path.join(tmpdir(), 'openstack-client-it-'));
}, 5 * 60_000);

afterAll(async () => {
  for (const id of createdImages) {
    await admin.glance.deleteImage(id).catch(() => undefined);
  }
  for (const id of createdSecrets) {
    await admin.barbican.deleteSecret(id).catch(() => undefined);
  }
  await rm(workDir, { recursive: true, force: true });
});

async function statusOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof OpenStackError) {
      return error.status;
    }
    throw error;
  }
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** Writes a new RSA key and self-signed certificate with openssl; returns their paths. */
async function signingCertificate(name: string): Promise<{ key: string; cert: string }> {
  const key = path.join(workDir, `${name}.key`);
  const cert = path.join(workDir, `${name}.pem`);
  await run('openssl', [
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    key,
  ]);
  await run('openssl', [
    'req',
    '-new',
    '-x509',
    '-key',
    key,
    '-out',
    cert,
    '-days',
    '30',
    '-subj',
    `/CN=${name}`,
  ]);
  return { key, cert };
}

describe('Keystone session', () => {
  it('authenticates admin and member', async () => {
    expect(await admin.session.projectId()).toBe(lab.admin.projectId);
    expect(await member.session.projectId()).toBe(lab.member.projectId);
  });

  it('reuses one token for many calls', async () => {
    const clients = await connect(cloudsYaml, 'other-member');

    await Promise.all(
      Array.from({ length: 5 }, () => clients.glance.listImages({ limit: 1 }).next()),
    );
    await clients.barbican.findSecrets(`${prefix}-none`);

    expect(clients.session.authenticationCount).toBe(1);
    expect(await clients.session.projectId()).toBe(lab.otherMember.projectId);
  });

  it('finds endpoints in the catalog', async () => {
    expect(await admin.session.endpoint('image')).toBe(lab.glanceUrl);
    expect(await admin.session.endpoint('key-manager')).toBe(lab.barbicanUrl);
  });

  it('rejects a wrong password with 401', async () => {
    const wrong = await connect(
      cloudsYaml.replace(lab.member.password, 'wrong-password'),
      'member',
      { retries: 0 },
    );

    const error = await wrong.session.token().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenStackError);
    expect((error as OpenStackError).status).toBe(401);
    expect((error as OpenStackError).message).not.toContain('wrong-password');
  });
});

describe('Glance client', () => {
  it('uploads, downloads and patches an image', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const image = await admin.glance.createImage({
      name: `${prefix}-data`,
      disk_format: 'raw',
      container_format: 'bare',
      visibility: 'private',
    });
    createdImages.push(image.id);
    expect(image.status).toBe('queued');

    const chunks = Array.from({ length: 4 }, (_, i) =>
      data.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024),
    );
    await admin.glance.uploadData(image.id, Readable.from(chunks));
    const uploaded = await admin.glance.getImage(image.id);
    expect(uploaded.status).toBe('active');
    expect(uploaded.size).toBe(data.length);
    expect(uploaded.os_hash_algo).toBe('sha512');

    const download = await admin.glance.downloadData(image.id);
    expect(download?.size).toBe(data.length);
    expect(download?.checksum).toBe(createHash('md5').update(data).digest('hex'));
    expect(await sha256Of(download!.stream)).toBe(createHash('sha256').update(data).digest('hex'));

    const added = await admin.glance.updateImage(image.id, [
      { op: 'add', path: '/audit_owner', value: 'team-a' },
      { op: 'add', path: '/audit_level', value: 'low' },
    ]);
    expect(added.audit_owner).toBe('team-a');
    const replaced = await admin.glance.updateImage(image.id, [
      { op: 'replace', path: '/audit_level', value: 'high' },
      { op: 'remove', path: '/audit_owner' },
    ]);
    expect(replaced.audit_level).toBe('high');
    expect(replaced.audit_owner).toBeUndefined();

    const cli = await run(
      '/usr/bin/openstack',
      ['--os-cloud', 'admin', 'image', 'show', image.id, '-f', 'json'],
      {
        env: { ...process.env, OS_CLIENT_CONFIG_FILE: lab.cloudsYamlPath },
      },
    );
    const shown = JSON.parse(cli.stdout) as { properties: Record<string, unknown> };
    expect(shown.properties.audit_level).toBe('high');
  }, 60_000);

  it('deactivates and reactivates an image', async () => {
    const image = await admin.glance.createImage({
      name: `${prefix}-deactivate`,
      disk_format: 'raw',
      container_format: 'bare',
    });
    createdImages.push(image.id);
    expect(await statusOf(admin.glance.deactivateImage(image.id))).toBe(403);
    await admin.glance.uploadData(image.id, Buffer.from('small image'));

    await admin.glance.deactivateImage(image.id);
    expect((await admin.glance.getImage(image.id)).status).toBe('deactivated');
    await admin.glance.reactivateImage(image.id);
    expect((await admin.glance.getImage(image.id)).status).toBe('active');
  }, 60_000);

  it('pages through listings and hidden images', async () => {
    const tag = `${prefix}-page`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const image = await admin.glance.createImage({
        name: `${tag}-${i}`,
        tags: [tag],
        visibility: 'private',
      });
      createdImages.push(image.id);
      ids.push(image.id);
    }
    await admin.glance.updateImage(ids[2]!, [{ op: 'replace', path: '/os_hidden', value: true }]);

    const listed: string[] = [];
    for await (const image of admin.glance.listImages({ tag }, 1)) {
      listed.push(image.id);
    }
    const hidden: string[] = [];
    for await (const image of admin.glance.listImages({ tag, os_hidden: true }, 1)) {
      hidden.push(image.id);
    }

    expect(listed.sort()).toEqual([ids[0], ids[1]].sort());
    expect(hidden).toEqual([ids[2]]);
  }, 60_000);

  it('forbids member to publicize', async () => {
    const image = await member.glance.createImage({
      name: `${prefix}-member`,
      visibility: 'private',
    });
    createdImages.push(image.id);

    const error = await member.glance
      .updateImage(image.id, [{ op: 'replace', path: '/visibility', value: 'public' }])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenStackError);
    expect((error as OpenStackError).status).toBe(403);
    expect((error as OpenStackError).serverMessage).toMatch(/publicize_image/);
    expect((error as OpenStackError).requestId).toMatch(/^req-/);
  });

  it('verifies signed uploads with Barbican certificates', async () => {
    const { key, cert } = await signingCertificate(`${prefix}-signer`);
    const data = randomBytes(256 * 1024);
    const dataFile = path.join(workDir, 'image.bin');
    await writeFile(dataFile, data);
    await run('openssl', [
      'dgst',
      '-sha256',
      '-sign',
      key,
      '-sigopt',
      'rsa_padding_mode:pss',
      '-sigopt',
      'rsa_pss_saltlen:max',
      '-out',
      `${dataFile}.sig`,
      dataFile,
    ]);
    const signature = (await readFile(`${dataFile}.sig`)).toString('base64');
    const secret = await admin.barbican.storeCertificate(`${prefix}-signer`, await readFile(cert));
    createdSecrets.push(secret.id);
    const signedImage = async (name: string) => {
      const image = await admin.glance.createImage({
        name,
        disk_format: 'raw',
        container_format: 'bare',
        img_signature: signature,
        img_signature_certificate_uuid: secret.id,
        img_signature_hash_method: 'SHA-256',
        img_signature_key_type: 'RSA-PSS',
      });
      createdImages.push(image.id);
      return image;
    };

    const good = await signedImage(`${prefix}-signed`);
    await admin.glance.uploadData(good.id, Readable.from([data]));
    expect((await admin.glance.getImage(good.id)).status).toBe('active');

    const tampered = Buffer.from(data);
    tampered[100] = (tampered[100] ?? 0) ^ 0xff;
    const bad = await signedImage(`${prefix}-tampered`);
    const error = await admin.glance
      .uploadData(bad.id, Readable.from([tampered]))
      .catch((caught: unknown) => caught);
    expect((error as OpenStackError).status).toBe(400);
    expect((error as OpenStackError).serverMessage).toMatch(/Signature verification failed/);
  }, 60_000);
});

describe('Barbican client', () => {
  it('stores, finds and reads a certificate', async () => {
    const name = `${prefix}-cert`;
    const { cert } = await signingCertificate(name);
    const pem = await readFile(cert);

    const stored = await member.barbican.storeCertificate(name, pem, 'RSA');
    createdSecrets.push(stored.id);
    const found = await member.barbican.findSecrets(name);
    const metadata = await member.barbican.getSecret(stored.id);
    const payload = await member.barbican.getPayload(stored.id);

    expect(found.map((secret) => secret.secret_ref)).toEqual([stored.ref]);
    expect(metadata.secret_type).toBe('certificate');
    expect(metadata.status).toBe('ACTIVE');
    expect(payload.equals(pem)).toBe(true);
    expect(await statusOf(member.barbican.deleteSecret(stored.id))).toBe(200);
    expect(await statusOf(member.barbican.getSecret(stored.id))).toBe(404);
  }, 60_000);

  it('hides secrets of other projects', async () => {
    const other = await connect(cloudsYaml, 'other-member');
    const stored = await member.barbican.storeCertificate(
      `${prefix}-private`,
      '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    );
    createdSecrets.push(stored.id);

    expect(await other.barbican.findSecrets(`${prefix}-private`)).toEqual([]);
    expect(await statusOf(other.barbican.getPayload(stored.id))).toBe(403);
  });
});

describe('application credentials', () => {
  it('authenticates with an application credential', async () => {
    const userId = await member.session.userId();
    const response = await fetch(`${lab.keystoneUrl}/users/${userId}/application_credentials`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': await member.session.token() },
      body: JSON.stringify({ application_credential: { name: `${prefix}-app` } }),
    });
    expect(response.status).toBe(201);
    const credential = (
      (await response.json()) as { application_credential: { id: string; secret: string } }
    ).application_credential;

    const yaml = [
      'clouds:',
      '  app:',
      '    auth_type: v3applicationcredential',
      '    auth:',
      `      auth_url: ${lab.keystoneUrl}`,
      `      application_credential_id: ${credential.id}`,
      `      application_credential_secret: ${credential.secret}`,
      '    region_name: RegionOne',
    ].join('\n');
    const app = await connect(yaml, 'app');
    const byName = await connect(
      [
        'clouds:',
        '  app:',
        '    auth_type: v3applicationcredential',
        '    auth:',
        `      auth_url: ${lab.keystoneUrl}`,
        `      application_credential_name: ${prefix}-app`,
        `      application_credential_secret: ${credential.secret}`,
        `      username: ${lab.member.username}`,
        '      user_domain_name: Default',
      ].join('\n'),
      'app',
    );

    expect(await app.session.projectId()).toBe(lab.member.projectId);
    expect(await byName.session.projectId()).toBe(lab.member.projectId);
    await expect(app.glance.listImages({ limit: 1 }).next()).resolves.toBeDefined();
    await expect(app.barbican.findSecrets(`${prefix}-none`)).resolves.toEqual([]);
  }, 60_000);
});
