import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import type { ImageSecurityPolicySpec } from '../../../src/api/image-security-policy.js';
import {
  connect,
  OpenStackError,
  type GlanceImage,
  type ImagePatchOperation,
  type OpenStackClients,
} from '../../../src/openstack/index.js';
import { renderPolicy, type RenderedConfigMap } from '../../../src/render/index.js';
import { LabGlanceConfig } from '../../harness/glance-config.js';
import { ensureLab, type LabEnv } from '../../harness/openstack.js';
import { REPO_ROOT } from '../../harness/paths.js';

// A Glance restart took 10 to 15 s on a loaded 2-core machine (measured), and this file restarts it 6 times.
jest.setTimeout(120_000);

/** The vendor guide's property-protections.conf, copied as written: v1 names, no catch-all. */
const GUIDE_PROPERTY_PROTECTIONS = `[x-image-meta-property-img_signature]
create = admin
read = @
update = admin
delete = admin

[x-image-meta-property-xloud_base_image]
create = admin
read = @
update = admin
delete = admin

[x-image-meta-property-hw_firmware_type]
create = @
read = @
update = admin
delete = admin
`;

/** The vendor guide's policy.yaml, copied as written: deactivate_image is not a Glance rule. */
const GUIDE_POLICY_YAML = `"publicize_image": "role:admin"
"deactivate_image": "role:admin"
"reactivate_image": "role:admin"
`;

const CATCH_ALL_SECTION = `
[.*]
create = @
read = @
update = @
delete = @
`;

let lab: LabEnv;
let admin: OpenStackClients;
let member: OpenStackClients;
let glanceConfig: LabGlanceConfig;
let exampleSpec: ImageSecurityPolicySpec;
/** An active image owned by the member's project, for (de)activation. */
let activeImage: GlanceImage;
const createdImages: string[] = [];
const prefix = `enforcement-it-${Date.now()}`;

beforeAll(async () => {
  lab = await ensureLab();
  const cloudsYaml = await readFile(lab.cloudsYamlPath, 'utf8');
  admin = await connect(cloudsYaml, 'admin');
  member = await connect(cloudsYaml, 'member');
  glanceConfig = new LabGlanceConfig(lab);
  exampleSpec = await loadSpec('examples/image-security-policy.yaml');

  await glanceConfig.install(rendered(exampleSpec));
  activeImage = await memberImage('active');
  await member.glance.uploadData(activeImage.id, Buffer.from('enforcement test image data'));
}, 5 * 60_000);

afterAll(async () => {
  for (const id of createdImages) {
    await admin.glance.deleteImage(id).catch(() => undefined);
  }
  await glanceConfig?.restoreDefaults();
}, 5 * 60_000);

async function loadSpec(relativePath: string): Promise<ImageSecurityPolicySpec> {
  const text = await readFile(path.join(REPO_ROOT, relativePath), 'utf8');
  return (load(text) as { spec: ImageSecurityPolicySpec }).spec;
}

function rendered(spec: ImageSecurityPolicySpec): RenderedConfigMap {
  const result = renderPolicy(spec);
  if (result.imageService === undefined) {
    throw new Error(`policy does not render: ${JSON.stringify(result.findings)}`);
  }
  return result.imageService;
}

/** Creates an image in the member's project, deleted by admin after the tests. */
async function memberImage(
  name: string,
  fields: Record<string, unknown> = {},
): Promise<GlanceImage> {
  const image = await member.glance.createImage({
    name: `${prefix}-${name}`,
    disk_format: 'raw',
    container_format: 'bare',
    ...fields,
  });
  createdImages.push(image.id);
  return image;
}

/** Returns 200 when the call succeeds, else the HTTP status of the OpenStackError. */
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

function add(property: string, value: unknown): ImagePatchOperation[] {
  return [{ op: 'add', path: `/${property}`, value }];
}

function replace(property: string, value: unknown): ImagePatchOperation[] {
  return [{ op: 'replace', path: `/${property}`, value }];
}

function withPolicyRules(
  spec: ImageSecurityPolicySpec,
  edit: (rules: Record<string, string>) => void,
): ImageSecurityPolicySpec {
  const copy = structuredClone(spec);
  const rules = { ...(copy.policy?.rules ?? {}) };
  edit(rules);
  copy.policy = { rules };
  return copy;
}

describe('corrected example policy', () => {
  it.each(['img_signature', 'img_signature_hash_method', 'xloud_base_image'])(
    'denies member setting %s',
    async (property) => {
      const image = await memberImage(`member-${property}`);

      expect(await statusOf(member.glance.updateImage(image.id, add(property, 'SHA-256')))).toBe(
        403,
      );
      expect(await statusOf(admin.glance.updateImage(image.id, add(property, 'SHA-256')))).toBe(
        200,
      );
    },
  );

  it('lets member create hw_firmware_type, not update it', async () => {
    const image = await memberImage('firmware', { hw_firmware_type: 'bios' });
    expect(image.hw_firmware_type).toBe('bios');

    expect(
      await statusOf(member.glance.updateImage(image.id, replace('hw_firmware_type', 'uefi'))),
    ).toBe(403);
    expect(
      await statusOf(admin.glance.updateImage(image.id, replace('hw_firmware_type', 'uefi'))),
    ).toBe(200);
    expect((await admin.glance.getImage(image.id)).hw_firmware_type).toBe('uefi');
  });

  it('lets only admin publicize', async () => {
    const image = await memberImage('publicize', { visibility: 'private' });

    expect(
      await statusOf(member.glance.updateImage(image.id, replace('visibility', 'public'))),
    ).toBe(403);
    expect(
      await statusOf(admin.glance.updateImage(image.id, replace('visibility', 'public'))),
    ).toBe(200);
  });

  it('denies member community visibility', async () => {
    const image = await memberImage('communitize', { visibility: 'private' });

    expect(
      await statusOf(member.glance.updateImage(image.id, replace('visibility', 'community'))),
    ).toBe(403);
  });

  it('lets only admin deactivate', async () => {
    expect(await statusOf(member.glance.deactivateImage(activeImage.id))).toBe(403);
    expect(await statusOf(admin.glance.deactivateImage(activeImage.id))).toBe(200);

    await admin.glance.reactivateImage(activeImage.id);
  });
});

describe('live reload', () => {
  it('applies a policy.yaml value edit without restart', async () => {
    const before = rendered(exampleSpec);
    const open = rendered(
      withPolicyRules(exampleSpec, (rules) => {
        rules.communitize_image = 'role:admin or role:member';
      }),
    );
    expect(open.contentHash).not.toBe(before.contentHash);
    expect(open.restartHash).toBe(before.restartHash);

    expect(await glanceConfig.install(open)).toEqual({ restartNeeded: false, restarted: false });
    const image = await memberImage('community-open', { visibility: 'private' });
    expect(
      await statusOf(member.glance.updateImage(image.id, replace('visibility', 'community'))),
    ).toBe(200);

    expect(await glanceConfig.install(before)).toEqual({ restartNeeded: false, restarted: false });
    const second = await memberImage('community-restricted', { visibility: 'private' });
    expect(
      await statusOf(member.glance.updateImage(second.id, replace('visibility', 'community'))),
    ).toBe(403);
  });

  it('restarts Glance for a removed policy rule', async () => {
    const before = rendered(exampleSpec);
    const unset = rendered(withPolicyRules(exampleSpec, (rules) => delete rules.communitize_image));
    // Glance 25.1 creates its oslo.policy Enforcer with overwrite=False
    // (glance/api/policy.py), so a re-read file updates rules but drops none.
    // The renderer therefore puts the rule names into restartHash.
    expect(unset.restartHash).not.toBe(before.restartHash);

    // Written without the restart, the removed rule stays in force.
    expect(await glanceConfig.install(unset, { skipRestart: true })).toEqual({
      restartNeeded: true,
      restarted: false,
    });
    const stale = await memberImage('community-unset-live', { visibility: 'private' });
    expect(
      await statusOf(member.glance.updateImage(stale.id, replace('visibility', 'community'))),
    ).toBe(403);

    expect(await glanceConfig.install(unset)).toEqual({ restartNeeded: true, restarted: true });
    const restarted = await memberImage('community-unset-restarted', { visibility: 'private' });
    expect(
      await statusOf(member.glance.updateImage(restarted.id, replace('visibility', 'community'))),
    ).toBe(200);

    // Adding the rule back changes the rule names too, so it restarts as well.
    expect(await glanceConfig.install(before)).toEqual({ restartNeeded: true, restarted: true });
    const restricted = await memberImage('community-readded', { visibility: 'private' });
    expect(
      await statusOf(member.glance.updateImage(restricted.id, replace('visibility', 'community'))),
    ).toBe(403);
  });

  it('applies a section value edit without restart', async () => {
    const before = rendered(exampleSpec);
    const spec = structuredClone(exampleSpec);
    const firmware = spec.propertyProtection.rules.find((r) => r.property === 'hw_firmware_type');
    if (firmware === undefined) {
      throw new Error('the example policy has no hw_firmware_type rule');
    }
    firmware.update = ['@'];
    const edited = rendered(spec);
    expect(edited.restartHash).toBe(before.restartHash);
    const image = await memberImage('firmware-edit', { hw_firmware_type: 'bios' });

    expect(await glanceConfig.install(edited)).toEqual({ restartNeeded: false, restarted: false });
    expect(
      await statusOf(member.glance.updateImage(image.id, replace('hw_firmware_type', 'uefi'))),
    ).toBe(200);

    expect(await glanceConfig.install(before)).toEqual({ restartNeeded: false, restarted: false });
    expect(
      await statusOf(member.glance.updateImage(image.id, replace('hw_firmware_type', 'bios'))),
    ).toBe(403);
  });

  it('keeps old sections after a rename until restart', async () => {
    const before = rendered(exampleSpec);
    const spec = structuredClone(exampleSpec);
    const base = spec.propertyProtection.rules.find((r) => r.property === 'xloud_base_image');
    if (base === undefined) {
      throw new Error('the example policy has no xloud_base_image rule');
    }
    base.property = 'xloud_golden_image';
    const renamed = rendered(spec);
    expect(renamed.restartHash).not.toBe(before.restartHash);

    // Glance 25.1 reads the file into one module-level ConfigParser on every
    // request (glance/common/property_utils.py). Sections it parsed before
    // stay in place, so the old section keeps protecting and the new one lands after [.*].
    const written = await glanceConfig.install(renamed, { skipRestart: true });
    expect(written).toEqual({ restartNeeded: true, restarted: false });
    const unrestarted = await memberImage('rename-before-restart');
    expect(
      await statusOf(member.glance.updateImage(unrestarted.id, add('xloud_base_image', 'a'))),
    ).toBe(403);
    expect(
      await statusOf(member.glance.updateImage(unrestarted.id, add('xloud_golden_image', 'a'))),
    ).toBe(200);

    expect(await glanceConfig.install(renamed)).toEqual({ restartNeeded: true, restarted: true });
    const restarted = await memberImage('rename-after-restart');
    expect(
      await statusOf(member.glance.updateImage(restarted.id, add('xloud_base_image', 'a'))),
    ).toBe(200);
    expect(
      await statusOf(member.glance.updateImage(restarted.id, add('xloud_golden_image', 'a'))),
    ).toBe(403);
  });
});

describe('vendor guide as written', () => {
  it('is rejected by the renderer with fixes', async () => {
    const result = renderPolicy(await loadSpec('examples-invalid/vendor-guide-as-written.yaml'));
    const errors = result.findings.filter((finding) => finding.severity === 'Error');

    expect(result.imageService).toBeUndefined();
    const byPath = new Map(errors.map((finding) => [finding.path, finding.message]));
    expect(byPath.get('spec.propertyProtection.rules[0].property')).toContain(
      'write property: img_signature',
    );
    expect(byPath.get('spec.propertyProtection.rules[1].property')).toContain(
      'write property: xloud_base_image',
    );
    expect(byPath.get('spec.propertyProtection.rules[2].property')).toContain(
      'write property: hw_firmware_type',
    );
    expect(byPath.get('spec.policy.rules.deactivate_image')).toContain('"deactivate"');
    expect(byPath.get('spec.policy.rules.reactivate_image')).toContain('"reactivate"');
    expect(result.findings.map((finding) => finding.path)).toContain(
      'spec.propertyProtection.catchAll',
    );
  });

  it('without catch-all denies admin any property', async () => {
    await glanceConfig.installLiteral({
      propertyProtections: GUIDE_PROPERTY_PROTECTIONS,
      policyYaml: GUIDE_POLICY_YAML,
    });
    const image = await memberImage('guide-no-catch-all');

    expect(
      await statusOf(admin.glance.updateImage(image.id, add('img_signature', 'c2lnbmF0dXJl'))),
    ).toBe(403);
    expect(await statusOf(admin.glance.updateImage(image.id, add('xloud_base_image', 'a')))).toBe(
      403,
    );
    expect(
      await statusOf(
        admin.glance
          .createImage({
            name: `${prefix}-guide-admin-create`,
            disk_format: 'raw',
            container_format: 'bare',
            hw_firmware_type: 'uefi',
          })
          .then((created) => createdImages.push(created.id)),
      ),
    ).toBe(403);
  });

  it('ignores deactivate_image', async () => {
    expect(await statusOf(member.glance.deactivateImage(activeImage.id))).toBe(200);

    await admin.glance.reactivateImage(activeImage.id);
  });

  it('with catch-all lets member set img_signature', async () => {
    await glanceConfig.installLiteral({
      propertyProtections: GUIDE_PROPERTY_PROTECTIONS + CATCH_ALL_SECTION,
      policyYaml: GUIDE_POLICY_YAML,
    });
    const image = await memberImage('guide-catch-all');

    expect(
      await statusOf(member.glance.updateImage(image.id, add('img_signature', 'c2lnbmF0dXJl'))),
    ).toBe(200);
    expect(await statusOf(member.glance.updateImage(image.id, add('xloud_base_image', 'a')))).toBe(
      200,
    );
  });
});
