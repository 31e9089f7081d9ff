import { OpenStackConfigError, OpenStackError } from '../../openstack/index.js';
import { OutcomeError, REASON, unknown } from './reasons.js';

/**
 * Turns a failed OpenStack call into an OutcomeError with status Unknown, so
 * no failure of the cloud itself can deactivate an image. Callers first
 * handle the statuses that are verdicts about the image (such as 404 on a
 * certificate). `step` names what was attempted, for the message.
 */
export function openStackOutcome(error: unknown, step: string): OutcomeError {
  if (error instanceof OutcomeError) {
    return error;
  }
  if (error instanceof OpenStackConfigError) {
    // A YAML parse error quotes the source lines below its first line, which
    // may contain a password, so only the first line is kept.
    const firstLine = error.message.split('\n')[0] ?? '';
    return new OutcomeError(unknown(REASON.invalidCloudsYaml, `${step}: ${firstLine}`), {
      cause: error,
    });
  }
  if (!(error instanceof OpenStackError)) {
    const text = error instanceof Error ? error.message : String(error);
    return new OutcomeError(unknown(REASON.openStackUnavailable, `${step} failed: ${text}`), {
      retry: true,
      cause: error,
    });
  }
  if (error.status === 401) {
    return new OutcomeError(
      unknown(
        REASON.openStackUnauthorized,
        `${step} failed: ${error.message}; check the credentials in the clouds.yaml Secret`,
      ),
      { cause: error },
    );
  }
  if (isUnavailable(error)) {
    return new OutcomeError(
      unknown(REASON.openStackUnavailable, `${step} failed: ${error.message}; retrying`),
      { retry: true, cause: error },
    );
  }
  return new OutcomeError(
    unknown(REASON.openStackRequestFailed, `${step} failed: ${error.message}`),
    { retry: true, cause: error },
  );
}

/** True for a connection failure, a timeout, 429 or a 5xx status. */
export function isUnavailable(error: OpenStackError): boolean {
  return error.status === undefined || error.status === 429 || error.status >= 500;
}

/** True when `error` is an OpenStack response with one of `statuses`. */
export function hasStatus(error: unknown, ...statuses: number[]): error is OpenStackError {
  return (
    error instanceof OpenStackError && error.status !== undefined && statuses.includes(error.status)
  );
}
