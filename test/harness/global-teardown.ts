// Loaded like global-setup.ts: through tsx, because Node's own TypeScript
// support does not resolve `.js` specifiers to `.ts` files.
import { tsImport } from 'tsx/esm/api';

export default async function globalTeardown(): Promise<void> {
  const teardown = (await tsImport('./stop-control-plane.ts', import.meta.url)) as {
    stopControlPlane(): Promise<void>;
  };
  await teardown.stopControlPlane();
}
