// Measures signature verification throughput over a 1 GiB file: `openssl dgst -verify`,
// python3-cursive (64 KiB updates) and verifyImageStream, 3 runs each, median reported.
// Run with `npx tsx bench/verify-throughput.ts`. It prints a markdown section to stdout.
// Needs the openssl command and /usr/bin/python3 with cursive, and about 1 GiB in the temp dir.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { verifyImageStream } from '../src/signature/verify-stream.js';

const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const RUNS = 3;
const dir = mkdtempSync(join(tmpdir(), 'verify-throughput-'));
const path = (name: string): string => join(dir, name);

const CURSIVE_SCRIPT = `
import base64, sys, time
from cryptography import x509
from cursive import signature_utils
signature_utils.get_certificate = lambda _c, p: x509.load_pem_x509_certificate(open(p, 'rb').read())
certificate, signature, data = sys.argv[1:4]
start = time.monotonic()
verifier = signature_utils.get_verifier(None, certificate, 'SHA-256', open(signature).read(), 'RSA-PSS')
with open(data, 'rb') as f:
    for chunk in iter(lambda: f.read(65536), b''):
        verifier.update(chunk)
verifier.verify()
print(time.monotonic() - start)
`;

async function writeRandomFile(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < SIZE_MIB; i++) {
    if (!out.write(randomBytes(1024 * 1024))) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  out.end();
  await finished(out);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timeRuns(run: () => Promise<number>): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    seconds.push(await run());
  }
  return median(seconds);
}

function openssl(args: string[]): Buffer {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function main(): Promise<void> {
  const data = path('image.bin');
  await writeRandomFile(data);
  openssl([
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:3072',
    '-out',
    path('key.pem'),
  ]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    path('key.pem'),
    '-subj',
    '/CN=bench',
    '-days',
    '2',
    '-out',
    path('cert.pem'),
  ]);
  openssl(['x509', '-in', path('cert.pem'), '-noout', '-pubkey', '-out', path('pub.pem')]);
  const pss = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:max'];
  openssl(['dgst', '-sha256', '-sign', path('key.pem'), ...pss, '-out', path('sig.bin'), data]);
  const signature = readFileSync(path('sig.bin')).toString('base64');
  writeFileSync(path('sig.b64'), signature);
  // One untimed read so every timed run reads from the page cache.
  let warmed = 0;
  for await (const chunk of createReadStream(data, { highWaterMark: 1 << 20 })) {
    warmed += (chunk as Buffer).length;
  }
  if (warmed !== SIZE_MIB * 1048576) throw new Error(`read ${warmed} bytes of ${data}`);

  const opensslSeconds = await timeRuns(() => {
    const start = process.hrtime.bigint();
    const result = spawnSync('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      path('pub.pem'),
      ...pss,
      '-signature',
      path('sig.bin'),
      data,
    ]);
    if (result.status !== 0) throw new Error(`openssl did not verify: ${result.stdout.toString()}`);
    return Promise.resolve(Number(process.hrtime.bigint() - start) / 1e9);
  });

  const cursiveSeconds = await timeRuns(() => {
    const result = spawnSync('/usr/bin/python3', [
      '-c',
      CURSIVE_SCRIPT,
      path('cert.pem'),
      path('sig.b64'),
      data,
    ]);
    if (result.status !== 0) throw new Error(`cursive did not verify: ${result.stderr.toString()}`);
    return Promise.resolve(Number(result.stdout.toString()));
  });

  const certificatePem = readFileSync(path('cert.pem'));
  const oursFor = (highWaterMark: number) => async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const result = await verifyImageStream(createReadStream(data, { highWaterMark }), {
      signature,
      hashMethod: 'SHA-256',
      keyType: 'RSA-PSS',
      certificatePem,
    });
    if (!result.verified) throw new Error(`verifyImageStream: ${result.message}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const oursSeconds = await timeRuns(oursFor(1 << 20));
  const ours64kSeconds = await timeRuns(oursFor(1 << 16));

  const mbps = (seconds: number): string => ((SIZE_MIB * 1048576) / 1e6 / seconds).toFixed(0);
  const row = (name: string, seconds: number): string =>
    `| ${name} | ${seconds.toFixed(2)} | ${mbps(seconds)} | ${(opensslSeconds / seconds).toFixed(2)}x | ${(cursiveSeconds / seconds).toFixed(2)}x |`;
  const versions = spawnSync('/usr/bin/python3', [
    '-c',
    'import cryptography; print(cryptography.__version__)',
  ])
    .stdout.toString()
    .trim();

  process.stdout.write(
    [
      '## Signature verification throughput',
      '',
      `${SIZE_MIB} MiB of random data in the page cache, RSA-3072 RSA-PSS (maximum salt) with SHA-256, ` +
        `median of ${RUNS} runs. Made by \`npx tsx bench/verify-throughput.ts\` on ${cpus()[0]?.model ?? 'unknown CPU'} ` +
        `(${cpus().length} cores, shared with other work), Node ${process.versions.node} (OpenSSL ${process.versions.openssl}), ` +
        `${openssl(['version']).toString().trim()}, python3-cryptography ${versions}.`,
      '',
      '| verifier | seconds | MB/s | speed vs openssl | speed vs cursive |',
      '|---|---|---|---|---|',
      row('openssl dgst -verify', opensslSeconds),
      row('cursive get_verifier, 64 KiB updates', cursiveSeconds),
      row('verifyImageStream, 1 MiB reads', oursSeconds),
      row('verifyImageStream, 64 KiB reads', ours64kSeconds),
      '',
      'openssl time includes process start; cursive time excludes Python start and imports.',
      '',
    ].join('\n'),
  );
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
