import { Command, Option } from 'commander';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HASH_METHODS, KEY_TYPES, type HashMethod, type KeyType } from '../../api/signed-image.js';
import { parseCertificateUuid } from '../../signature/properties.js';
import { signFile } from '../../signature/sign.js';
import { EXIT } from '../output.js';

interface SignCliOptions {
  key: string;
  hashMethod: HashMethod;
  keyType?: KeyType;
  certificateUuid?: string;
  output: 'text' | 'json';
}

/** `sign`: prints the img_signature properties for an image file. */
export function signCommand(): Command {
  return new Command('sign')
    .description(
      'Sign an image file the way Glance and Nova (cursive) verify it and print the ' +
        'img_signature properties, as --property arguments for `openstack image create` or as ' +
        'JSON. Exits 0 on success, 2 on a usage error or unreadable file.',
    )
    .argument('<file>', 'image data file')
    .requiredOption('--key <path>', 'private key (PEM, unencrypted): RSA, DSA or EC; required')
    .addOption(
      new Option('--hash-method <method>', 'img_signature_hash_method')
        .choices(HASH_METHODS)
        .default('SHA-256'),
    )
    .addOption(
      new Option(
        '--key-type <type>',
        'img_signature_key_type; derived from the key when unset',
      ).choices(KEY_TYPES),
    )
    .option(
      '--certificate-uuid <uuid>',
      'Barbican secret id of the certificate, printed as img_signature_certificate_uuid',
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage))
    .action(async (file: string, options: SignCliOptions) => {
      try {
        const properties: Record<string, string> = { ...(await signWithKeyFile(file, options)) };
        if (options.certificateUuid !== undefined) {
          const uuid = parseCertificateUuid(options.certificateUuid);
          if (!uuid.ok) {
            throw new Error(uuid.message);
          }
          properties.img_signature_certificate_uuid = uuid.value;
        }
        process.stdout.write(
          options.output === 'json'
            ? `${JSON.stringify(properties, null, 2)}\n`
            : Object.entries(properties)
                .map(([name, value]) => `--property ${name}=${value}\n`)
                .join(''),
        );
      } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exitCode = EXIT.usage;
      }
    });
}

async function signWithKeyFile(file: string, options: SignCliOptions) {
  let privateKey;
  try {
    privateKey = createPrivateKey(await readFile(options.key));
  } catch (error) {
    throw new Error(
      `--key ${options.key} is not a readable unencrypted private key: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return signFile(file, privateKey, options.hashMethod, options.keyType);
}
