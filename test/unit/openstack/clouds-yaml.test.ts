import { describe, expect, it } from '@jest/globals';
import { parseCloudsYaml } from '../../../src/openstack/clouds-yaml.js';
import { OpenStackConfigError } from '../../../src/openstack/errors.js';

const PASSWORD_CLOUD = `
clouds:
  lab:
    auth:
      auth_url: https://keystone.example:5000
      username: alice
      password: s3cret-value
      project_name: demo
      user_domain_name: Default
      project_domain_id: default
    region_name: RegionTwo
    interface: internal
    cacert: /etc/ssl/lab-ca.pem
`;

function errorOf(text: string, cloud = 'lab'): Error {
  try {
    parseCloudsYaml(text, cloud);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected parseCloudsYaml to throw');
}

describe('parseCloudsYaml', () => {
  it('reads password auth fields', () => {
    const cloud = parseCloudsYaml(PASSWORD_CLOUD, 'lab');

    expect(cloud.authUrl).toBe('https://keystone.example:5000/v3');
    expect(cloud.regionName).toBe('RegionTwo');
    expect(cloud.interface).toBe('internal');
    expect(cloud.caCertFile).toBe('/etc/ssl/lab-ca.pem');
    expect(cloud.auth).toEqual({
      type: 'password',
      username: 'alice',
      password: 's3cret-value',
      projectName: 'demo',
      userDomainName: 'Default',
      projectDomainId: 'default',
    });
  });

  it('defaults interface to public', () => {
    const text = PASSWORD_CLOUD.replace('    interface: internal\n', '');
    expect(parseCloudsYaml(text, 'lab').interface).toBe('public');
  });

  it('keeps an auth_url that ends in /v3', () => {
    const text = PASSWORD_CLOUD.replace(
      'https://keystone.example:5000',
      'https://keystone.example/identity/v3/',
    );
    expect(parseCloudsYaml(text, 'lab').authUrl).toBe('https://keystone.example/identity/v3');
  });

  it('reads application credentials by id', () => {
    const cloud = parseCloudsYaml(
      `
clouds:
  app:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://127.0.0.1:5000/v3
      application_credential_id: 0123abcd
      application_credential_secret: very-secret
`,
      'app',
    );

    expect(cloud.auth).toEqual({
      type: 'application_credential',
      id: '0123abcd',
      secret: 'very-secret',
    });
  });

  it('reads application credentials by name', () => {
    const cloud = parseCloudsYaml(
      `
clouds:
  app:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://127.0.0.1:5000/v3
      application_credential_name: deployer
      application_credential_secret: very-secret
      username: alice
      user_domain_name: Default
`,
      'app',
    );

    expect(cloud.auth).toEqual({
      type: 'application_credential',
      name: 'deployer',
      secret: 'very-secret',
      username: 'alice',
      userDomainName: 'Default',
    });
  });

  it.each([
    ['unknown cloud', PASSWORD_CLOUD, 'other', /clouds\.other not found.*defined clouds: lab/],
    [
      'missing password',
      PASSWORD_CLOUD.replace('      password: s3cret-value\n', ''),
      'lab',
      /clouds\.lab\.auth\.password is missing/,
    ],
    [
      'missing auth_url',
      PASSWORD_CLOUD.replace('      auth_url: https://keystone.example:5000\n', ''),
      'lab',
      /clouds\.lab\.auth\.auth_url is missing/,
    ],
    [
      'bad auth_url',
      PASSWORD_CLOUD.replace('https://keystone.example:5000', 'not a url'),
      'lab',
      /auth_url is not a valid URL/,
    ],
    [
      'missing project',
      PASSWORD_CLOUD.replace('      project_name: demo\n', ''),
      'lab',
      /auth\.project_name is missing/,
    ],
    [
      'missing user domain',
      PASSWORD_CLOUD.replace('      user_domain_name: Default\n', ''),
      'lab',
      /auth\.user_domain_name is missing.*user_domain_name: Default/,
    ],
    [
      'bad interface',
      PASSWORD_CLOUD.replace('interface: internal', 'interface: private'),
      'lab',
      /clouds\.lab\.interface is "private"; use public, internal or admin/,
    ],
    [
      'verify false',
      PASSWORD_CLOUD.replace('    cacert:', '    verify: false\n    cacert:'),
      'lab',
      /clouds\.lab\.verify is false, but TLS verification cannot be turned off/,
    ],
    [
      'unknown auth_type',
      PASSWORD_CLOUD.replace('    auth:', '    auth_type: token\n    auth:'),
      'lab',
      /clouds\.lab\.auth_type is "token", which is not supported/,
    ],
    ['no clouds key', 'foo: 1\n', 'lab', /clouds is missing or not a mapping/],
    ['invalid YAML', 'clouds: [\n', 'lab', /not valid YAML/],
  ])('rejects %s', (_name, text, cloud, message) => {
    const error = errorOf(text, cloud);

    expect(error).toBeInstanceOf(OpenStackConfigError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('s3cret-value');
  });

  it('rejects application credential without secret', () => {
    const error = errorOf(
      `
clouds:
  lab:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://127.0.0.1:5000/v3
      application_credential_id: 0123abcd
`,
    );

    expect(error.message).toMatch(/clouds\.lab\.auth\.application_credential_secret is missing/);
  });

  it('keeps secrets out of type errors', () => {
    const error = errorOf(PASSWORD_CLOUD.replace('username: alice', 'username: [s3cret-value]'));

    expect(error.message).toMatch(/clouds\.lab\.auth\.username must be a string/);
    expect(error.message).not.toContain('s3cret-value');
  });
});
