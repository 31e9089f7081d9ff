#!/usr/bin/env node
// Entry point of the image-security-operator executable. It checks the Node.js
// version before loading anything else, because the Kubernetes client fails
// at import time on older versions with an error that names neither.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `error: image-security-operator needs Node.js 22.19 or newer, but this is ${process.versions.node}; ` +
      'in a checkout, run: export PATH="$(hack/ensure-node.sh):$PATH"\n',
  );
  process.exit(2);
}
await import('./program.js');
