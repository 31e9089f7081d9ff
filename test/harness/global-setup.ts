// Jest loads this file with Node's own TypeScript support, which does not map
// the `.js` import specifiers of our sources to `.ts` files, so the real setup
// is imported through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup(): Promise<void> {
  const setup = (await tsImport('./start-control-plane.ts', import.meta.url)) as {
    startControlPlane(): Promise<void>;
  };
  await setup.startControlPlane();
}
