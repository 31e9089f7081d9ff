import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import type { PublishedImages } from '../../../src/api/published-images.js';
import { applyPlan } from '../../../src/catalog/apply.js';
import { auditImages, type ImageAudit } from '../../../src/catalog/audit.js';
import { planEnforcement } from '../../../src/catalog/enforce.js';
import { listPublishedImages } from '../../../src/catalog/list.js';
import { connect, type GlanceImage, type OpenStackClients } from '../../../src/openstack/index.js';
import { ensureLab, type LabEnv } from '../../harness/openstack.js';

// Seeding 20 images took about 15 s on a loaded 2-core machine.
jest.setTimeout(120_000);

let lab: LabEnv;
let admin: OpenStackClients;
let member: OpenStackClients;
let otherMember: OpenStackClients;
const prefix = `catalog-it-${Date.now()}`;
/** Seeded image ids by a short label, such as `admin-golden-1`. */
const seeded = new Map<string, string>();

interface Seed {
  readonly label: string;
  readonly by: () => OpenStackClients;
  readonly fields: Record<string, unknown>;
  /** Upload a few bytes, so the image becomes active and can be deactivated. */
  readonly upload?: boolean;
}

/**
 * Twenty images across the admin, demo and other projects. Only admin may
 * publicize, while members may set community visibility and os_hidden on
 * their own images, which is Glance's default policy.
 */
function seeds(): Seed[] {
  const adminImage = (label: string, fields: Record<string, unknown>, upload = false): Seed => ({
    label,
    by: () => admin,
    fields,
    upload,
  });
  const memberImage = (label: string, fields: Record<string, unknown>, upload = false): Seed => ({
    label,
    by: () => member,
    fields,
    upload,
  });
  const otherImage = (label: string, fields: Record<string, unknown>): Seed => ({
    label,
    by: () => otherMember,
    fields,
  });
  return [
    adminImage('admin-golden-1', { visibility: 'public' }),
    adminImage('admin-golden-2', { visibility: 'public' }),
    adminImage('admin-golden-3', { visibility: 'public', os_hidden: true }),
    adminImage('admin-scratch-1', { visibility: 'public' }, true),
    adminImage('admin-scratch-2', { visibility: 'public', os_hidden: true }),
    adminImage('admin-private', { visibility: 'private' }),
    adminImage('other-public-1', { visibility: 'public', owner: lab.otherMember.projectId }),
    adminImage('other-public-2', { visibility: 'public', owner: lab.otherMember.projectId }),
    memberImage('demo-community-1', { visibility: 'community' }, true),
    memberImage('demo-community-2', { visibility: 'community' }, true),
    memberImage('demo-community-3', { visibility: 'community' }),
    memberImage('demo-community-hidden', { visibility: 'community', os_hidden: true }, true),
    memberImage('demo-private', { visibility: 'private' }),
    memberImage('demo-shared-1', { visibility: 'shared' }),
    memberImage('demo-shared-2', {}),
    otherImage('other-community-1', { visibility: 'community' }),
    otherImage('other-community-2', { visibility: 'community' }),
    otherImage('other-community-hidden', { visibility: 'community', os_hidden: true }),
    otherImage('other-private', { visibility: 'private' }),
    otherImage('other-shared', { visibility: 'shared' }),
  ];
}

beforeAll(async () => {
  lab = await ensureLab();
  const cloudsYaml = await readFile(lab.cloudsYamlPath, 'utf8');
  admin = await connect(cloudsYaml, 'admin');
  member = await connect(cloudsYaml, 'member');
  otherMember = await connect(cloudsYaml, 'other-member');

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
      await clients.glance.uploadData(image.id, Buffer.from(`catalog audit ${seed.label}`));
    }
  }
}, 5 * 60_000);

afterAll(async () => {
  for (const id of seeded.values()) {
    await admin.glance.deleteImage(id).catch(() => undefined);
  }
});

/** Returns the allow-lists under test: admin's golden images public, project other's community. */
function allowLists(): PublishedImages {
  return {
    public: [{ owners: [lab.admin.projectId], namePatterns: [`${prefix}-admin-golden-*`] }],
    community: [{ owners: [lab.otherMember.projectId] }],
  };
}

/** Lists the catalog as admin, keeping only this file's images, so other tests' images stay out. */
async function listSeeded(): Promise<GlanceImage[]> {
  const ids = new Set(seeded.values());
  return (await listPublishedImages(admin.glance)).filter((image) => ids.has(image.id));
}

function labelsOf(items: readonly { imageId: string }[]): string[] {
  const labelById = new Map([...seeded].map(([label, id]) => [id, label]));
  return items.map((item) => labelById.get(item.imageId) ?? item.imageId).sort();
}

function violations(audits: readonly ImageAudit[]): ImageAudit[] {
  return audits.filter((audit) => !audit.compliant);
}

const EXPECTED_VIOLATIONS = [
  'admin-scratch-1',
  'admin-scratch-2',
  'demo-community-1',
  'demo-community-2',
  'demo-community-3',
  'demo-community-hidden',
  'other-public-1',
  'other-public-2',
];

describe('catalog audit on Glance', () => {
  it('lists public and community images, hidden included', async () => {
    const images = await listSeeded();

    expect(labelsOf(images.map((image) => ({ imageId: image.id })))).toEqual(
      [
        'admin-golden-1',
        'admin-golden-2',
        'admin-golden-3',
        'admin-scratch-1',
        'admin-scratch-2',
        'other-public-1',
        'other-public-2',
        'demo-community-1',
        'demo-community-2',
        'demo-community-3',
        'demo-community-hidden',
        'other-community-1',
        'other-community-2',
        'other-community-hidden',
      ].sort(),
    );
  });

  it('misses hidden images without os_hidden=true', async () => {
    const ids = new Set<string>();
    for await (const image of admin.glance.listImages({ visibility: 'public' })) {
      ids.add(image.id);
    }

    expect(ids.has(seeded.get('admin-golden-1') ?? '')).toBe(true);
    expect(ids.has(seeded.get('admin-golden-3') ?? '')).toBe(false);
  });

  it('classifies seeded images', async () => {
    const audits = auditImages(allowLists(), await listSeeded());

    expect(labelsOf(violations(audits))).toEqual(EXPECTED_VIOLATIONS);
    const hidden = audits.find((audit) => audit.imageId === seeded.get('admin-golden-3'));
    expect(hidden?.hidden).toBe(true);
    expect(hidden?.compliant).toBe(true);
    const community = audits.find((audit) => audit.imageId === seeded.get('demo-community-1'));
    expect(community?.exposure).toBe('community');
    expect(community?.owner).toBe(lab.member.projectId);
  });

  it('changes nothing above the blast-radius limit', async () => {
    const config: PublishedImages = {
      ...allowLists(),
      action: 'MakePrivate',
      maxActionsPerPass: 3,
    };
    const plan = planEnforcement(config, auditImages(config, await listSeeded()));

    const outcomes = await applyPlan(admin.glance, plan);

    expect(plan.blocked).toContain('8 images would get MakePrivate');
    expect(outcomes).toEqual([]);
    expect(labelsOf(violations(auditImages(config, await listSeeded())))).toEqual(
      EXPECTED_VIOLATIONS,
    );
  });

  it('deactivates active violating images', async () => {
    const config: PublishedImages = {
      ...allowLists(),
      action: 'Deactivate',
      maxActionsPerPass: 20,
    };
    const plan = planEnforcement(config, auditImages(config, await listSeeded()));

    const outcomes = await applyPlan(admin.glance, plan);

    const deactivated = [
      'admin-scratch-1',
      'demo-community-1',
      'demo-community-2',
      'demo-community-hidden',
    ];
    expect(labelsOf(outcomes)).toEqual(deactivated);
    expect(outcomes.every((outcome) => outcome.succeeded)).toBe(true);
    expect(labelsOf(plan.skipped)).toEqual([
      'admin-scratch-2',
      'demo-community-3',
      'other-public-1',
      'other-public-2',
    ]);
    for (const label of deactivated) {
      expect((await admin.glance.getImage(seeded.get(label) ?? '')).status).toBe('deactivated');
    }
  });

  it('makes violating images private', async () => {
    const config: PublishedImages = {
      ...allowLists(),
      action: 'MakePrivate',
      maxActionsPerPass: 20,
    };
    const plan = planEnforcement(config, auditImages(config, await listSeeded()));

    const outcomes = await applyPlan(admin.glance, plan);

    expect(labelsOf(outcomes)).toEqual(EXPECTED_VIOLATIONS);
    expect(outcomes.filter((outcome) => !outcome.succeeded)).toEqual([]);
    const after = auditImages(config, await listSeeded());
    expect(violations(after)).toEqual([]);
    expect(after).toHaveLength(6);
    const image = await admin.glance.getImage(seeded.get('demo-community-hidden') ?? '');
    expect(image.visibility).toBe('private');
  });
});
