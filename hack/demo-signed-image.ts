// The SignedImage part of the demo, run against the OpenStack lab. It signs an
// image file with the CLI as a pipeline would and uploads it to Glance. The
// operator then stores the certificate in Barbican, sets the img_signature
// properties and verifies the data. A second SignedImage declares a signature
// over other data, so the operator reports SignatureMismatch and deactivates
// that image. Last, the catalog audit reports a public image outside the
// allow-list, and the probes check what the lab's Glance lets a member do.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { GROUP, IMAGE_SECURITY_POLICY, SIGNED_IMAGE, VERSION } from '../src/api/group.js';
import { applyObjects } from '../src/manifests/apply.js';
import { connect } from '../src/openstack/index.js';
import { labEnv } from '../test/harness/openstack.js';

export interface DemoContext {
  readonly admin: KubeConfig;
  readonly root: string;
  readonly labState: string;
  heading: (text: string) => void;
  waitFor: <T>(what: string, check: () => Promise<T | undefined>) => Promise<T>;
  printStatus: (resource: Record<string, any>) => void;
}

const NAMESPACE = 'openstack';

function cli(root: string, args: string[]): string {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args],
    { cwd: root, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`image-security-operator ${args[0]} failed: ${result.stderr}`);
  }
  return result.stdout;
}

function secret(name: string, data: Record<string, string>): Record<string, unknown> {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMESPACE },
    data: encoded,
  };
}

function signedImage(
  name: string,
  imageId: string,
  signature: {
    img_signature: string;
    img_signature_hash_method: string;
    img_signature_key_type: string;
  },
): Record<string, unknown> {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: SIGNED_IMAGE.kind,
    metadata: { name, namespace: NAMESPACE },
    spec: {
      policyRef: { name: 'xloud-image-service' },
      image: { id: imageId },
      signature: {
        value: signature.img_signature,
        hashMethod: signature.img_signature_hash_method,
        keyType: signature.img_signature_key_type,
      },
      certificate: { secretRef: { name: 'image-signing-certificate', key: 'tls.crt' } },
      onFailure: 'Deactivate',
    },
  };
}

export async function signedImageDemo(context: DemoContext): Promise<void> {
  const { admin, root, heading } = context;
  const lab = await labEnv(context.labState);
  const cloudsYaml = await readFile(lab.cloudsYamlPath, 'utf8');
  const openstack = await connect(cloudsYaml, lab.admin.cloud);
  const work = await mkdtemp(path.join(tmpdir(), 'image-security-demo-'));
  const imageIds: string[] = [];
  try {
    heading('Signing an image file with the CLI, as a pipeline would');
    const key = path.join(work, 'signing-key.pem');
    const certificate = path.join(work, 'signing-cert.pem');
    cli(root, [
      'keygen',
      '--out-key',
      key,
      '--out-cert',
      certificate,
      '--subject',
      'CN=demo image signing',
    ]);
    const imageFile = path.join(work, 'demo.raw');
    const otherFile = path.join(work, 'other.raw');
    await writeFile(imageFile, randomBytes(4 * 1024 * 1024));
    await writeFile(otherFile, randomBytes(4 * 1024 * 1024));
    const signature = JSON.parse(
      cli(root, ['sign', '--key', key, '--output', 'json', imageFile]),
    ) as Parameters<typeof signedImage>[2];
    const wrongSignature = JSON.parse(
      cli(root, ['sign', '--key', key, '--output', 'json', otherFile]),
    ) as Parameters<typeof signedImage>[2];
    process.stdout.write(
      `  image-security-operator keygen + sign: ${signature.img_signature_key_type}, ${signature.img_signature_hash_method}, img_signature ${signature.img_signature.slice(0, 24)}...\n`,
    );

    heading("Uploading two images to the lab's Glance (unsigned properties)");
    for (const name of ['demo-signed', 'demo-tampered']) {
      const image = await openstack.glance.createImage({
        name,
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'private',
      });
      imageIds.push(image.id);
      await openstack.glance.uploadData(image.id, await readFile(imageFile));
      process.stdout.write(`  ${name}: ${image.id}\n`);
    }

    heading('Applying SignedImages (the certificate comes from a Kubernetes Secret)');
    const policyPatch = {
      spec: {
        openstack: {
          credentialsSecretRef: { name: 'openstack-credentials', key: 'clouds.yaml' },
          cloud: lab.admin.cloud,
        },
        publishedImages: {
          public: [{ namePatterns: ['approved-*'] }],
          action: 'Report',
          auditInterval: '1m',
          probe: {
            credentialsSecretRef: { name: 'openstack-credentials', key: 'clouds.yaml' },
            cloud: lab.member.cloud,
          },
        },
      },
    };
    for (const name of ['approved-base-image', 'unapproved-public-image']) {
      const image = await openstack.glance.createImage({
        name,
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'public',
      });
      imageIds.push(image.id);
    }
    await applyObjects(admin, [
      secret('openstack-credentials', { 'clouds.yaml': cloudsYaml }),
      secret('image-signing-certificate', {
        'tls.crt': await readFile(certificate, 'utf8'),
      }),
    ]);
    await admin.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NAMESPACE,
        plural: IMAGE_SECURITY_POLICY.plural,
        name: 'xloud-image-service',
        body: policyPatch,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await applyObjects(admin, [
      signedImage('demo-signed', imageIds[0] ?? '', signature),
      signedImage('demo-tampered', imageIds[1] ?? '', wrongSignature),
    ]);

    for (const name of ['demo-signed', 'demo-tampered']) {
      const resource = await context.waitFor(`SignedImage ${name} to be verified`, async () => {
        const current = (await admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: NAMESPACE,
          plural: SIGNED_IMAGE.plural,
          name,
        })) as Record<string, any>;
        const verified = (current.status?.conditions ?? []).find((c: any) => c.type === 'Verified');
        return verified === undefined || verified.status === 'Unknown' ? undefined : current;
      });
      heading(`SignedImage ${name}`);
      context.printStatus(resource);
      const image = await openstack.glance.getImage(resource.status?.imageId ?? '');
      process.stdout.write(
        `  Glance: status ${image.status}, img_signature_certificate_uuid ${String(image.img_signature_certificate_uuid)}\n`,
      );
    }

    heading('Catalog audit of public and community images, and the enforcement probes');
    const audited = await context.waitFor('the catalog audit and probes', async () => {
      const policy = (await admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NAMESPACE,
        plural: IMAGE_SECURITY_POLICY.plural,
        name: 'xloud-image-service',
      })) as Record<string, any>;
      const types = (policy.status?.conditions ?? []).map((c: any) => c.type);
      return types.includes('CatalogCompliant') && types.includes('EnforcementVerified')
        ? policy
        : undefined;
    });
    for (const condition of audited.status.conditions) {
      if (condition.type === 'CatalogCompliant' || condition.type === 'EnforcementVerified') {
        process.stdout.write(
          `  ${condition.type.padEnd(20)} ${condition.status.padEnd(6)} ${condition.reason}: ${condition.message}\n`,
        );
      }
    }
    const catalog = audited.status.catalog ?? {};
    process.stdout.write(`  counts: ${JSON.stringify(catalog.counts ?? {})}\n`);
    for (const violation of catalog.violations ?? []) {
      process.stdout.write(
        `  violation: ${violation.name} (${violation.id}): ${violation.reason}\n`,
      );
    }
    process.stdout.write(
      "  (the lab's Glance runs its own default policy.yaml, not the rendered one, so the\n" +
        '  probes show what a member can still do there that the policy denies)\n',
    );

    const secrets = await admin
      .makeApiClient(CoreV1Api)
      .listNamespacedSecret({ namespace: NAMESPACE });
    process.stdout.write(
      `  (Secrets in ${NAMESPACE}: ${secrets.items.map((s) => s.metadata?.name).join(', ')}; no secret value is in any status)\n`,
    );
  } finally {
    for (const id of imageIds) {
      await openstack.glance.deleteImage(id).catch(() => undefined);
    }
    await rm(work, { recursive: true, force: true });
  }
}
