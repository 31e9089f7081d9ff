// Measures signature verification throughput over a 1 GiB file: `openssl dgst -verify`,
// python3-cursive (64 KiB updates), verifyImageFile and verifyImageStream, 3 runs each, median
// reported.
// BENCH_SIZE_MIB and BENCH_RUNS change the file size and the number of runs.
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
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { verifyImageFile } from '../src/signature/verify-file.js';
import { verifyImageStream } from '../src/signature/verify-stream.js';

const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
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

  const runOpenssl = (): Promise<number> => {
    const start = process.hrtime.bigint();
    const args = ['dgst', '-sha256', '-verify', path('pub.pem'), ...pss];
    const result = spawnSync('openssl', [...args, '-signature', path('sig.bin'), data]);
    if (result.status !== 0) throw new Error(`openssl did not verify: ${result.stdout.toString()}`);
    return Promise.resolve(Number(process.hrtime.bigint() - start) / 1e9);
  };

  const runCursive = (): Promise<number> => {
    const args = ['-c', CURSIVE_SCRIPT, path('cert.pem'), path('sig.b64'), data];
    const result = spawnSync('/usr/bin/python3', args);
    if (result.status !== 0) throw new Error(`cursive did not verify: ${result.stderr.toString()}`);
    return Promise.resolve(Number(result.stdout.toString()));
  };

  const certificatePem = readFileSync(path('cert.pem'));
  const runOurs = (highWaterMark: number) => async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const stream = createReadStream(data, { highWaterMark });
    const input = { signature, hashMethod: 'SHA-256', keyType: 'RSA-PSS', certificatePem };
    const result = await verifyImageStream(stream, input);
    if (!result.verified) throw new Error(`verifyImageStream: ${result.message}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };

  const runFile = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const input = { signature, hashMethod: 'SHA-256', keyType: 'RSA-PSS', certificatePem };
    const result = await verifyImageFile(data, input);
    if (!result.verified) throw new Error(`verifyImageFile: ${result.message}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };

  const verifiers = [
    { name: 'openssl dgst -verify', run: runOpenssl },
    { name: 'cursive get_verifier, 64 KiB updates', run: runCursive },
    { name: 'verifyImageFile (CLI verify), two reused 1 MiB buffers', run: runFile },
    { name: 'verifyImageStream, 1 MiB reads', run: runOurs(1 << 20) },
    { name: 'verifyImageStream, 64 KiB reads', run: runOurs(1 << 16) },
  ];
  // Rounds run every verifier once, so load from other processes hits each of them alike.
  const loadBefore = loadavg()[0] ?? 0;
  const times = verifiers.map(() => [] as number[]);
  for (let round = 0; round < RUNS; round++) {
    for (const [index, verifier] of verifiers.entries()) {
      times[index]?.push(await verifier.run());
    }
  }
  const loadAfter = loadavg()[0] ?? 0;

  const medians = times.map(median);
  const [opensslSeconds = Number.NaN, cursiveSeconds = Number.NaN] = medians;
  const mbps = (seconds: number): string => ((SIZE_MIB * 1048576) / 1e6 / seconds).toFixed(0);
  const rows = verifiers.map((verifier, index) => {
    const seconds = medians[index] ?? Number.NaN;
    const sorted = [...(times[index] ?? [])].sort((a, b) => a - b);
    const spread = `${sorted[0]?.toFixed(2)}-${sorted[sorted.length - 1]?.toFixed(2)}`;
    const vsOpenssl = (opensslSeconds / seconds).toFixed(2);
    const vsCursive = (cursiveSeconds / seconds).toFixed(2);
    return `| ${verifier.name} | ${seconds.toFixed(2)} (${spread}) | ${mbps(seconds)} | ${vsOpenssl}x | ${vsCursive}x |`;
  });
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
        `median of ${RUNS} interleaved rounds. Made by \`npx tsx bench/verify-throughput.ts\` on ${cpus()[0]?.model ?? 'unknown CPU'} ` +
        `(${cpus().length} cores, 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after), ` +
        `Node ${process.versions.node} (OpenSSL ${process.versions.openssl}), ` +
        `${openssl(['version']).toString().trim()}, python3-cryptography ${versions}.`,
      '',
      '| verifier | seconds, median (min-max) | MB/s | speed vs openssl | speed vs cursive |',
      '|---|---|---|---|---|',
      ...rows,
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
