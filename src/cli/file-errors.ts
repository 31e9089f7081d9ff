/**
 * Reads a file-system error as a sentence that names what the file was for,
 * such as "image file /tmp/x.raw not found". Other errors keep their message.
 */
export function describeFileError(error: unknown, role: string): string {
  const { code, path } = error as { code?: string; path?: string };
  const where = path === undefined ? role : `${role} ${path}`;
  switch (code) {
    case 'ENOENT':
      return `${where} not found`;
    case 'EACCES':
    case 'EPERM':
      return `${where} cannot be read: permission denied`;
    case 'EISDIR':
      return `${where} is a folder, not a file`;
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Runs a file operation and rethrows its failure as an Error naming the file's role. */
export async function withFileRole<T>(role: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new Error(describeFileError(error, role), { cause: error });
  }
}
