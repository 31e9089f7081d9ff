import { readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { GROUP, IMAGE_SECURITY_POLICY, SIGNED_IMAGE, VERSION } from '../../src/api/group.js';
import { adminKubeConfig, createNamespace } from '../harness/cluster.js';
import { REPO_ROOT } from '../harness/paths.js';

async function examplePolicy(namespace: string): Promise<Record<string, any>> {
  const text = await readFile(
    path.join(REPO_ROOT, 'examples', 'image-security-policy.yaml'),
    'utf8',
  );
  const policy = load(text) as Record<string, any>;
  policy.metadata.namespace = namespace;
  return policy;
}

async function createPolicy(namespace: string, body: Record<string, any>): Promise<unknown> {
  return adminKubeConfig().makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: IMAGE_SECURITY_POLICY.plural,
    body,
  });
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiException);
    const apiError = error as ApiException<string>;
    expect(apiError.code).toBe(422);
    return String(apiError.body);
  }
  throw new Error('the apiserver accepted an invalid object');
}

describe('CustomResourceDefinitions on a real apiserver', () => {
  it('accepts the example policy and defaults the rule format', async () => {
    const namespace = await createNamespace('crd');
    const policy = await examplePolicy(namespace);
    delete policy.spec.propertyProtection.format;
    const created = (await createPolicy(namespace, policy)) as Record<string, any>;
    expect(created.spec.propertyProtection.format).toBe('roles');
  });

  it('rejects an unknown rule format with an enum error naming the field', async () => {
    const namespace = await createNamespace('crd');
    const policy = await examplePolicy(namespace);
    policy.spec.propertyProtection.format = 'regex';
    const body = await rejection(createPolicy(namespace, policy));
    expect(body).toContain('spec.propertyProtection.format');
    expect(body).toContain('roles');
  });

  it('enforces the property-or-pattern CEL rule', async () => {
    const namespace = await createNamespace('crd');
    const policy = await examplePolicy(namespace);
    policy.spec.propertyProtection.rules[1].pattern = '^xloud_';
    const body = await rejection(createPolicy(namespace, policy));
    expect(body).toContain('set exactly one of property or pattern');
  });

  it('rejects a SignedImage with a misspelt hash method', async () => {
    const namespace = await createNamespace('crd');
    const body = await rejection(
      adminKubeConfig()
        .makeApiClient(CustomObjectsApi)
        .createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: SIGNED_IMAGE.plural,
          body: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: SIGNED_IMAGE.kind,
            metadata: { name: 'bad-hash' },
            spec: {
              policyRef: { name: 'xloud-image-service' },
              image: { id: '6b0f2e4c-2a61-4c51-9d2e-3f4a5b6c7d8e' },
              signature: { value: 'AAAA', hashMethod: 'SHA256', keyType: 'RSA-PSS' },
              certificate: { barbicanSecretId: '0d7c2f9e-1b3a-4c5d-8e6f-7a8b9c0d1e2f' },
            },
          },
        }),
    );
    expect(body).toContain('spec.signature.hashMethod');
    expect(body).toContain('SHA-256');
  });

  it('publishes field descriptions for kubectl explain', async () => {
    const kc = adminKubeConfig();
    const url = new URL(`${kc.getCurrentCluster()?.server}/openapi/v3/apis/${GROUP}/${VERSION}`);
    const options: https.RequestOptions = { method: 'GET' };
    await kc.applyToHTTPSOptions(options);
    const text = await new Promise<string>((resolve, reject) => {
      const request = https.request(url, options, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(body));
      });
      request.on('error', reject);
      request.end();
    });
    expect(text).toContain('The first rule that matches wins');
  });
});
