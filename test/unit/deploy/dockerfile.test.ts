import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { argumentWords, flagValue, parseDockerfile, type Stage } from '../../harness/dockerfile.js';
import { REPO_ROOT } from '../../harness/paths.js';

const stages = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages[stages.length - 1] as Stage;
const build = stages[0] as Stage;
const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};

function commands(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

describe('parseDockerfile', () => {
  it('joins continuation lines and skips comments', () => {
    const parsed = parseDockerfile(
      'FROM node:24 AS build\nRUN npm ci \\\n  # a comment\n  --omit=dev\nUSER 1000\n',
    );
    expect(parsed).toHaveLength(1);
    expect(parsed[0]?.name).toBe('build');
    expect(parsed[0]?.instructions.map((i) => [i.keyword, i.args, i.line])).toEqual([
      ['RUN', 'npm ci --omit=dev', 2],
      ['USER', '1000', 5],
    ]);
  });

  it('reads flags and the JSON form', () => {
    expect(flagValue(argumentWords('--from=build /src/dist ./dist'), 'from')).toBe('build');
    expect(argumentWords('["node", "main.js"]')).toEqual(['node', 'main.js']);
  });
});

describe('Dockerfile', () => {
  it('has a named build stage and a runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.name).toBeDefined();
    expect(runtime).not.toBe(build);
  });

  it.each(stages.map((stage): [string, Stage] => [stage.name ?? stage.image, stage]))(
    'stage %s uses a pinned Node 24 base',
    (_name, stage) => {
      const [repository, tag] = stage.image.split(':');
      expect(repository).toBe('node');
      expect(tag).toBeDefined();
      expect(tag).not.toBe('latest');
      expect(tag).toMatch(/^24(\.|-|$)/);
    },
  );

  it('installs production dependencies only at runtime', () => {
    const installs = commands(runtime, 'RUN').filter((run) => /\bnpm ci\b/.test(run));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toContain('--omit=dev');
    expect(commands(runtime, 'RUN').join('\n')).not.toMatch(/\bnpm (install|i)\b/);
  });

  it('compiles in the build stage', () => {
    expect(commands(build, 'RUN').join('\n')).toMatch(/npm run build|tsc -p tsconfig\.build\.json/);
  });

  it('copies only compiled output into the runtime stage', () => {
    const copies = commands(runtime, 'COPY').map(argumentWords);
    const fromBuild = copies.filter((words) => flagValue(words, 'from') === build.name);
    expect(fromBuild.map((words) => words.filter((w) => !w.startsWith('--'))[0])).toEqual([
      '/src/dist',
    ]);
    const local = copies.filter((words) => flagValue(words, 'from') === undefined);
    const localSources = local.flatMap((words) =>
      words.filter((w) => !w.startsWith('--')).slice(0, -1),
    );
    expect(localSources.sort()).toEqual(['package-lock.json', 'package.json']);
  });

  it('runs as a non-root user', () => {
    const users = commands(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const [user, group] = (users[users.length - 1] as string).split(':');
    expect(user).toMatch(/^[1-9][0-9]*$/);
    expect(group === undefined || /^[1-9][0-9]*$/.test(group)).toBe(true);
    const lastUser = runtime.instructions.findLastIndex((i) => i.keyword === 'USER');
    const lastRun = runtime.instructions.findLastIndex((i) => i.keyword === 'RUN');
    expect(lastUser).toBeGreaterThan(lastRun);
  });

  it('sets NODE_ENV to production at runtime', () => {
    expect(commands(runtime, 'ENV').join('\n')).toMatch(/\bNODE_ENV=production\b/);
  });

  it.each(stages.map((stage): [string, Stage] => [stage.name ?? stage.image, stage]))(
    'stage %s adds no remote files',
    (_name, stage) => {
      const adds = commands(stage, 'ADD');
      expect(adds.filter((args) => /(https?|git|ftp):\/\/|git@/.test(args))).toEqual([]);
    },
  );

  it('starts the executable named in package.json', () => {
    const entrypoint = argumentWords(commands(runtime, 'ENTRYPOINT')[0] ?? '[]');
    const workdir = commands(runtime, 'WORKDIR').at(-1) ?? '/';
    const binary = Object.values(packageJson.bin)[0] ?? '';
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint[1]).toBe(path.posix.join(workdir, binary));
  });
});
