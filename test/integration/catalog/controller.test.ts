import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import type { Condition } from '../../../src/api/common.js';
import { GROUP, IMAGE_SECURITY_POLICY, SIGNED_IMAGE, VERSION } from '../../../src/api/group.js';
import type {
  ImageSecurityPolicy,
  ImageSecurityPolicySpec,
} from '../../../src/api/image-security-policy.js';
import type { PublishedImageEntry, PublishedImages } from '../../../src/api/published-images.js';
import {
  startCatalogController,
  type CatalogControllerHandle,
} from '../../../src/controllers/catalog.js';
import { MARKER, OPERATOR_NAME } from '../../../src/controllers/catalog/markers.js';
import { PROBE_IMAGE_PREFIX } from '../../../src/controllers/catalog/probes.js';
import type { PolicyObject } from '../../../src/controllers/signed-image/types.js';
import { Informer } from '../../../src/kube/informer.js';
import { mergePatchOptions } from '../../../src/kube/patch.js';
import { createLogger } from '../../../src/log.js';
import { connect, type OpenStackClients } from '../../../src/openstack/index.js';
import {
  adminKubeConfig,
  createNamespace,
  eventually,
  operatorKubeConfig,
} from '../../harness/cluster.js';
import { LabGlanceConfig } from '../../harness/glance-config.js';
import { ensureLab, type LabEnv } from '../../harness/openstack.js';

// Seeding 50 images and ten passes took 38 s in all on a loaded 2-core machine.
jest.setTimeout(120_000);

const admin = adminKubeConfig();
const core = admin.makeApiClient(CoreV1Api);
const custom = admin.makeApiClient(CustomObjectsApi);
const eventsApi = admin.makeApiClient(EventsV1Api);
const log = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });

const POLICY = 'catalog';
/**
 * Seeded names start with ZQ, so the allow-lists can allow every other image
 * in the shared lab by the first two characters of its name, and only this
 * file's images can violate them.
 */
const prefix = `ZQcat-${Date.now()}`;
const NAME_CHARS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  '-',
  '_',
  '.',
];

let lab: LabEnv;
let adminOs: OpenStackClients;
let memberOs: OpenStackClients;
let otherOs: OpenStackClients;
let namespace: string;
let controller: CatalogControllerHandle | undefined;
let policies: Informer<PolicyObject> | undefined;
let glanceConfig: LabGlanceConfig | undefined;
/** Glance writes (PATCH, POST, DELETE) the controller sent, counted by its request observer. */
let glanceWrites = 0;
/** Seeded image ids by label, such as `scratch-1`. */
const seeded = new Map<string, string>();

interface Seed {
  readonly label: string;
  readonly by: () => OpenStackClients;
  readonly fields: Record<string, unknown>;
  readonly upload?: boolean;
}

/**
 * Fifty images across the admin, demo and other projects. Members may set
 * community visibility on their own images, but only admin may publicize.
 */
function seeds(): Seed[] {
  const list: Seed[] = [];
  const add = (
    label: string,
    by: () => OpenStackClients,
    fields: Record<string, unknown>,
    upload = false,
  ): void => {
    list.push({ label, by, fields, upload });
  };
  for (let i = 1; i <= 6; i += 1) {
    add(`golden-${i}`, () => adminOs, { visibility: 'public', os_hidden: i > 4 }, i <= 2);
  }
  for (let i = 1; i <= 4; i += 1) {
    add(`scratch-${i}`, () => adminOs, { visibility: 'public', os_hidden: i === 4 }, i <= 2);
  }
  for (let i = 1; i <= 2; i += 1) {
    add(`otherpub-${i}`, () => adminOs, { visibility: 'public', owner: lab.otherMember.projectId });
  }
  add('signed-ok', () => adminOs, { visibility: 'public' }, true);
  add('signed-stale', () => adminOs, { visibility: 'public' }, true);
  for (let i = 1; i <= 4; i += 1) {
    add(`democomm-${i}`, () => memberOs, { visibility: 'community', os_hidden: i === 4 });
    add(`othercomm-${i}`, () => otherOs, { visibility: 'community' });
    add(`otherpriv-${i}`, () => otherOs, { visibility: 'private' });
    add(`othershared-${i}`, () => otherOs, { visibility: 'shared' });
  }
  for (let i = 1; i <= 8; i += 1) {
    add(`adminpriv-${i}`, () => adminOs, { visibility: 'private' });
  }
  for (let i = 1; i <= 6; i += 1) {
    add(`demopriv-${i}`, () => memberOs, { visibility: 'private' });
    add(`demoshared-${i}`, () => memberOs, { visibility: 'shared' });
  }
  return list;
}

/** The seeded images the base allow-lists reject. */
const VIOLATORS = [
  'democomm-1',
  'democomm-2',
  'democomm-3',
  'democomm-4',
  'otherpub-1',
  'otherpub-2',
  'scratch-1',
  'scratch-2',
  'scratch-3',
  'scratch-4',
  'signed-stale',
];

/** Entries that allow every image whose name does not start with ZQ. */
function foreignEntries(): PublishedImageEntry[] {
  return [
    { namePatterns: NAME_CHARS.filter((c) => c !== 'Z').map((c) => `${c}*`) },
    { namePatterns: NAME_CHARS.filter((c) => c !== 'Q').map((c) => `Z${c}*`) },
  ];
}

function allowLists(withGolden = true): Pick<PublishedImages, 'public' | 'community'> {
  return {
    public: [
      ...(withGolden
        ? [{ owners: [lab.admin.projectId], namePatterns: [`${prefix}-golden-*`] }]
        : []),
      { namePatterns: [`${prefix}-signed-*`], requireVerifiedSignature: true },
      ...foreignEntries(),
    ],
    community: [{ owners: [lab.otherMember.projectId] }, ...foreignEntries()],
  };
}

function policySpec(): ImageSecurityPolicySpec {
  const rule = { create: ['admin'], read: ['@'], update: ['admin'], delete: ['admin'] };
  return {
    propertyProtection: {
      format: 'roles',
      rules: [{ property: 'img_signature', ...rule }],
      catchAll: { create: ['@'], read: ['@'], update: ['@'], delete: ['@'] },
    },
    policy: { rules: { publicize_image: 'role:admin' } },
    targets: { imageService: { configMapName: 'glance-security' } },
    openstack: { credentialsSecretRef: { name: 'openstack', key: 'clouds.yaml' }, cloud: 'admin' },
    publishedImages: {
      ...allowLists(),
      action: 'Report',
      // Every pass in this file starts from a spec change, never from the interval.
      auditInterval: '10m',
      maxActionsPerPass: VIOLATORS.length,
    },
  };
}

beforeAll(async () => {
  lab = await ensureLab();
  const cloudsYaml = await readFile(lab.cloudsYamlPath, 'utf8');
  adminOs = await connect(cloudsYaml, 'admin');
  memberOs = await connect(cloudsYaml, 'member');
  otherOs = await connect(cloudsYaml, 'other-member');

  for (const seed of seeds()) {
    const clients = seed.by();
    const image = await clients.glance.createImage({
      name: `${prefix}-${seed.label}`,
      disk_format: 'raw',
      container_format: 'bare',
      ...seed.fields,
    });
    seeded.set(seed.label, image.id);
    if (seed.upload === true) {
      await clients.glance.uploadData(image.id, Buffer.from(`catalog controller ${seed.label}`));
    }
  }

  namespace = await createNamespace('catalog');
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: 'openstack' },
      data: { 'clouds.yaml': Buffer.from(cloudsYaml).toString('base64') },
    },
  });
  await createSignedImage('signed-ok', true);
  await createSignedImage('signed-stale', false);

  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: IMAGE_SECURITY_POLICY.plural,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: IMAGE_SECURITY_POLICY.kind,
      metadata: { name: POLICY },
      spec: policySpec(),
    },
  });
  // A condition the policy controller would own; the catalog writes must keep it.
  await patchStatus({
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Reconciled',
        message: 'written by the test',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  });
  await startController();
}, 5 * 60_000);

afterAll(async () => {
  await controller?.stop();
  await policies?.stop();
  await glanceConfig?.restoreDefaults();
  for (const id of seeded.values()) {
    await adminOs?.glance.deleteImage(id).catch(() => undefined);
  }
}, 3 * 60_000);

async function startController(): Promise<void> {
  const kubeConfig = operatorKubeConfig();
  const operatorCustom = kubeConfig.makeApiClient(CustomObjectsApi);
  policies = new Informer<PolicyObject>(kubeConfig, {
    path: `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${IMAGE_SECURITY_POLICY.plural}`,
    list: async () =>
      (await operatorCustom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: IMAGE_SECURITY_POLICY.plural,
      })) as KubernetesListObject<PolicyObject>,
    resyncPeriodMs: 0,
  });
  policies.start();
  await policies.waitForSync(30_000);
  controller = startCatalogController(kubeConfig, {
    log,
    policies,
    openstack: {
      observer: {
        observeRequest: ({ service, method }) => {
          if (service === 'glance' && method !== 'GET') {
            glanceWrites += 1;
          }
        },
      },
    },
  });
}

/**
 * Creates a SignedImage for a seeded image and sets its status as the
 * SignedImage controller would after a verification, with the image's real
 * os_hash_value when `current` is true and a stale one otherwise.
 */
async function createSignedImage(label: string, current: boolean): Promise<void> {
  const id = imageId(label);
  const image = await adminOs.glance.getImage(id);
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: SIGNED_IMAGE.plural,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: SIGNED_IMAGE.kind,
      metadata: { name: label },
      spec: {
        policyRef: { name: POLICY },
        image: { id },
        signature: { value: 'AAAA', hashMethod: 'SHA-256', keyType: 'RSA-PSS' },
        certificate: { barbicanSecretId: randomUUID() },
      },
    },
  });
  await custom.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: SIGNED_IMAGE.plural,
      name: label,
      body: {
        status: {
          imageId: id,
          verifiedHash: current ? image.os_hash_value : 'f'.repeat(128),
          conditions: [
            {
              type: 'Verified',
              status: 'True',
              reason: 'Verified',
              message: 'set by the test',
              lastTransitionTime: '2026-01-01T00:00:00Z',
            },
          ],
        },
      },
    },
    mergePatchOptions(),
  );
}

async function patchStatus(status: Record<string, unknown>): Promise<void> {
  await custom.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: IMAGE_SECURITY_POLICY.plural,
      name: POLICY,
      body: { status },
    },
    mergePatchOptions(),
  );
}

async function readPolicy(): Promise<ImageSecurityPolicy> {
  return (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: IMAGE_SECURITY_POLICY.plural,
    name: POLICY,
  })) as ImageSecurityPolicy;
}

function imageId(label: string): string {
  const id = seeded.get(label);
  if (id === undefined) {
    throw new Error(`no seeded image ${label}`);
  }
  return id;
}

function labelOf(id: string): string {
  return [...seeded].find(([, seededId]) => seededId === id)?.[0] ?? id;
}

function conditionOf(policy: ImageSecurityPolicy, type: string): Condition | undefined {
  return policy.status?.conditions?.find((condition) => condition.type === type);
}

/**
 * Patches spec.publishedImages, which changes the generation and starts a
 * pass, then waits until the pass wrote its conditions for that generation.
 */
async function runPass(published: Record<string, unknown>): Promise<ImageSecurityPolicy> {
  const patched = (await custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: IMAGE_SECURITY_POLICY.plural,
      name: POLICY,
      body: { spec: { publishedImages: published } },
    },
    mergePatchOptions(),
  )) as ImageSecurityPolicy;
  const generation = patched.metadata.generation;
  const probing = patched.spec.publishedImages?.probe !== undefined;
  return eventually(
    async () => {
      const policy = await readPolicy();
      const compliant = conditionOf(policy, 'CatalogCompliant');
      const verified = conditionOf(policy, 'EnforcementVerified');
      const done =
        compliant?.observedGeneration === generation &&
        (!probing || verified?.observedGeneration === generation);
      return done ? policy : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `a catalog pass for generation ${generation}` },
  );
}

/** Returns `updated_at` of every seeded image, to prove a pass changed nothing. */
async function seededUpdateTimes(): Promise<Map<string, string>> {
  const times = new Map<string, string>();
  for (const [label, id] of seeded) {
    times.set(label, (await adminOs.glance.getImage(id)).updated_at);
  }
  return times;
}

function seededViolations(policy: ImageSecurityPolicy): string[] {
  return (policy.status?.catalog?.violations ?? []).map((v) => labelOf(v.id)).sort();
}

async function eventNotes(reason: string): Promise<string[]> {
  const list = await eventsApi.listNamespacedEvent({ namespace });
  return list.items.filter((event) => event.reason === reason).map((event) => event.note ?? '');
}

describe('catalog controller on Glance', () => {
  it('reports violations without changes', async () => {
    const before = await seededUpdateTimes();
    const writesBefore = glanceWrites;

    const policy = await runPass({ action: 'Report' });

    expect(seededViolations(policy)).toEqual(VIOLATORS);
    expect(policy.status?.catalog?.counts.violations).toBe(VIOLATORS.length);
    expect(policy.status?.catalog?.counts.hiddenPublic).toBeGreaterThanOrEqual(3);
    expect(policy.status?.catalog?.counts.hiddenCommunity).toBeGreaterThanOrEqual(1);
    expect(policy.status?.catalog?.actions).toEqual([]);
    const stale = policy.status?.catalog?.violations?.find((v) => v.id === imageId('signed-stale'));
    expect(stale?.reason).toBe('SignatureNotVerified');
    expect(conditionOf(policy, 'CatalogCompliant')?.status).toBe('False');
    expect(conditionOf(policy, 'CatalogCompliant')?.reason).toBe('ViolationsFound');
    expect(conditionOf(policy, 'Ready')?.message).toBe('written by the test');
    expect(glanceWrites).toBe(writesBefore);
    expect(await seededUpdateTimes()).toEqual(before);
  });

  it('changes nothing in a dry run', async () => {
    const before = await seededUpdateTimes();

    const policy = await runPass({ action: 'MakePrivate', dryRun: true });

    expect(conditionOf(policy, 'CatalogCompliant')?.reason).toBe('DryRun');
    expect(policy.status?.catalog?.actions?.map((a) => a.result)).toEqual(
      VIOLATORS.map(() => 'Planned'),
    );
    expect(await seededUpdateTimes()).toEqual(before);
  });

  it('stops at the blast radius', async () => {
    const before = await seededUpdateTimes();

    const policy = await runPass({ action: 'MakePrivate', dryRun: null, maxActionsPerPass: 2 });

    expect(conditionOf(policy, 'CatalogCompliant')?.status).toBe('False');
    expect(conditionOf(policy, 'CatalogCompliant')?.reason).toBe('BlastRadiusExceeded');
    expect(await seededUpdateTimes()).toEqual(before);
    expect(await eventNotes('BlastRadiusExceeded')).toHaveLength(1);
  });

  it('makes violators private with markers', async () => {
    const policy = await runPass({ maxActionsPerPass: VIOLATORS.length });

    expect(conditionOf(policy, 'CatalogCompliant')?.status).toBe('True');
    expect(policy.status?.catalog?.actions?.filter((a) => a.result === 'Succeeded')).toHaveLength(
      VIOLATORS.length,
    );
    for (const label of VIOLATORS) {
      const image = await adminOs.glance.getImage(imageId(label));
      expect(image.visibility).toBe('private');
      expect(image[MARKER.changedBy]).toBe(OPERATOR_NAME);
      expect(image[MARKER.enforcements]).toBe('1');
    }
    expect((await adminOs.glance.getImage(imageId('democomm-1')))[MARKER.previousVisibility]).toBe(
      'community',
    );
    expect((await adminOs.glance.getImage(imageId('golden-1'))).visibility).toBe('public');
    expect(await eventNotes('Enforced')).toHaveLength(VIOLATORS.length);
    expect(conditionOf(policy, 'Ready')?.status).toBe('True');
  });

  it('writes nothing on a second pass', async () => {
    const before = await seededUpdateTimes();
    const writesBefore = glanceWrites;

    const policy = await runPass({ auditInterval: '9m' });

    expect(conditionOf(policy, 'CatalogCompliant')?.status).toBe('True');
    expect(glanceWrites).toBe(writesBefore);
    expect(await seededUpdateTimes()).toEqual(before);
  });

  it('acts once on a republished image', async () => {
    await adminOs.glance.updateImage(imageId('scratch-1'), [
      { op: 'replace', path: '/visibility', value: 'public' },
    ]);
    const writesBefore = glanceWrites;

    const policy = await runPass({ auditInterval: '8m' });

    expect(glanceWrites - writesBefore).toBe(1);
    const image = await adminOs.glance.getImage(imageId('scratch-1'));
    expect(image.visibility).toBe('private');
    expect(image[MARKER.enforcements]).toBe('2');
    expect(conditionOf(policy, 'CatalogCompliant')?.status).toBe('True');
  });

  it('deactivates active violators', async () => {
    const policy = await runPass({
      ...allowLists(false),
      action: 'Deactivate',
      maxActionsPerPass: 2,
    });

    const succeeded = (policy.status?.catalog?.actions ?? []).filter(
      (a) => a.result === 'Succeeded',
    );
    expect(succeeded.map((a) => labelOf(a.id)).sort()).toEqual(['golden-1', 'golden-2']);
    for (const label of ['golden-1', 'golden-2']) {
      const image = await adminOs.glance.getImage(imageId(label));
      expect(image.status).toBe('deactivated');
      expect(image.visibility).toBe('public');
      expect(image[MARKER.previousStatus]).toBe('active');
    }
    expect(conditionOf(policy, 'CatalogCompliant')?.reason).toBe('ViolationsFound');
  });
});

describe('enforcement probes on Glance', () => {
  const probe = {
    credentialsSecretRef: { name: 'openstack', key: 'clouds.yaml' },
    cloud: 'member',
  };

  beforeAll(() => {
    glanceConfig = new LabGlanceConfig(lab);
  });

  it('verifies the lab defaults', async () => {
    const policy = await runPass({ ...allowLists(), action: 'Report', probe });

    const verified = conditionOf(policy, 'EnforcementVerified');
    expect(verified?.status).toBe('True');
    expect(verified?.message).toContain('set img_signature');
    expect(verified?.message).toContain('set visibility public');
    expect(await probeImagesLeft()).toEqual([]);
  });

  it('names a weakened publicize rule', async () => {
    await replaceFile(lab.glancePolicyFile, '"publicize_image": "@"\n');
    try {
      const policy = await runPass({ auditInterval: '7m' });

      const verified = conditionOf(policy, 'EnforcementVerified');
      expect(verified?.status).toBe('False');
      expect(verified?.message).toContain('could set visibility public');
      expect(verified?.message).toContain('HTTP 200');
      expect(verified?.message).not.toContain('img_signature');
    } finally {
      await restoreFile(lab.glancePolicyFile);
    }
    expect(await probeImagesLeft()).toEqual([]);
  });

  it('reports a rejected protections file', async () => {
    const section = '[^img_signature]\ncreate = admin\nread = @\nupdate = admin\ndelete = admin\n';
    await replaceFile(
      lab.propertyProtectionFile,
      `${section}\n${section}\n[.*]\ncreate = @\nread = @\nupdate = @\ndelete = @\n`,
    );
    try {
      const policy = await runPass({ auditInterval: '6m' });

      const verified = conditionOf(policy, 'EnforcementVerified');
      expect(verified?.status).toBe('False');
      expect(verified?.message).toContain('HTTP 400');
      expect(verified?.message).toContain('Invalid configuration in property protection file');
    } finally {
      await glanceConfig?.restoreDefaults();
      glanceConfig = undefined;
    }
  });
});

/** Lists probe images the member project still owns. */
async function probeImagesLeft(): Promise<string[]> {
  const names: string[] = [];
  for await (const image of memberOs.glance.listImages({ owner: lab.member.projectId })) {
    if (image.name?.startsWith(PROBE_IMAGE_PREFIX) === true) {
      names.push(image.name);
    }
  }
  return names;
}

/** Writes a Glance file by rename, so Glance never reads half of it. */
async function replaceFile(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}`);
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** Puts back the default copy that lab.sh keeps beside a Glance file. */
async function restoreFile(file: string): Promise<void> {
  const defaults = file.replace(/\.(yaml|conf)$/, '.default.$1');
  const temporary = `${file}.${process.pid}.restore`;
  await copyFile(defaults, temporary);
  await rename(temporary, file);
}
