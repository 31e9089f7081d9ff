import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { argumentWords, flagValue, parseDockerfile } from '../harness/dockerfile.js';
import { REPO_ROOT } from '../harness/paths.js';

const run = promisify(execFile);

// npm ci downloads the production packages unless the npm cache has them.
jest.setTimeout(180_000);

const stages = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const buildStage = stages[0];

/** Lists the local sources that the build stage copies, read from its COPY instructions. */
function buildSources(): string[] {
  return (buildStage?.instructions ?? [])
    .filter((i) => i.keyword === 'COPY')
    .map((i) => argumentWords(i.args))
    .filter((words) => flagValue(words, 'from') === undefined)
    .flatMap((words) => words.filter((w) => !w.startsWith('--')).slice(0, -1));
}

let work: string;
let app: string;

/**
 * Repeats the Dockerfile's steps without a container runtime: the build stage
 * compiles with the repository's node_modules, and the runtime stage installs
 * production dependencies only, then receives the compiled output.
 */
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'dockerfile-build-'));
  const build = path.join(work, 'build');
  app = path.join(work, 'app');
  await mkdir(build);
  await mkdir(app);

  for (const source of buildSources()) {
    await cp(path.join(REPO_ROOT, source), path.join(build, source), { recursive: true });
  }
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(build, 'node_modules'), 'dir');
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: build,
  });

  for (const file of ['package.json', 'package-lock.json']) {
    await cp(path.join(REPO_ROOT, file), path.join(app, file));
  }
  await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: app,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  await cp(path.join(build, 'dist'), path.join(app, 'dist'), { recursive: true });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(app, 'dist/src/cli/main.js'), ...args], {
    cwd: app,
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

describe('image build steps', () => {
  it('installs no development packages', async () => {
    const installed = await readdir(path.join(app, 'node_modules'));
    expect(installed).not.toContain('typescript');
    expect(installed).not.toContain('jest');
    expect(installed).not.toContain('tsx');
    expect(installed).toContain('commander');
  });

  it('runs --help with production dependencies', async () => {
    const { stdout } = await cli('--help');
    for (const command of ['run', 'render', 'validate', 'diff', 'sign', 'verify', 'keygen']) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('renders the example policy', async () => {
    const { stdout } = await cli('render', path.join(REPO_ROOT, 'examples'));
    expect(stdout).toContain('kind: ConfigMap');
    expect(stdout).toContain('property-protections.conf');
  });
});
