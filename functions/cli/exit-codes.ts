/**
 * The CLI's exit statuses, one meaning each across commands (documented in the README):
 * scripts and CI can tell "the fleet drifts" from "the tool could not look".
 */
export const EXIT = {
  /** Done; for `status`, the fleet is converged. */
  OK: 0,
  /** `inject`: a document could not be processed. `status`: pods are outdated, mismatched or missing. */
  FAILED: 1,
  /** Bad usage, bad settings, or an input file that cannot be read. */
  USAGE: 2,
  /** The cluster or SSM could not be read (unreachable, unauthorised, no kubeconfig). */
  UNAVAILABLE: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with `code`, its message printed on stderr. */
export class CliError extends Error {
  readonly code: ExitCode;
  constructor(code: ExitCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}
