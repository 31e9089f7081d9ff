// The image-security-operator program: one subcommand per task. Loaded by
// main.ts once the Node.js version is known to be supported.
import { Command, CommanderError } from 'commander';
import { ManifestError } from '../manifests/load.js';
import { registerCommands } from './commands/index.js';
import { EXIT } from './output.js';

const program = new Command('image-security-operator')
  .description('Keeps an OpenStack image service (Glance) secure as declared Kubernetes state.')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);
for (const command of program.commands) {
  command.exitOverride();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end with exit code 0. Every other commander error is a
    // usage error: exit 2, so CI can tell a wrong call from invalid manifests
    // (exit 1). Commander has already printed the message.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof ManifestError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = EXIT.usage;
  } else {
    throw error;
  }
}
