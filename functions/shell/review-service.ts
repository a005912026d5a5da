import { admissionResponseJson, readAdmissionReview } from '../core/admission-review.ts';
import { decideWithRelease, triage, type Decision } from '../core/decide.ts';
import { chooseCohort, type Cohort } from '../core/fleet/cohort.ts';
import { podDisplayName } from '../core/pod-view.ts';
import type { AdmissionRequest } from '../core/types.ts';
import { pathTokenMatcher } from './path-token.ts';
import type { Invocation } from './review-line.ts';
import { ReleaseUnavailableError, type ReleaseSource } from './release-source.ts';
import type { Settings } from './settings.ts';
import type { Telemetry } from './telemetry.ts';

/**
 * One HTTP exchange, whatever carried it (API Gateway event or the local server): the
 * request's method, path and raw body in, a status and a JSON body out. Never throws.
 */

export interface ReviewHttpRequest {
  method: string;
  path: string;
  /**
   * The raw body: bytes from a socket, or the string an API Gateway event carries (passed as is:
   * turning it into bytes and back costs two copies of the body, a millisecond at 1.5 MB).
   */
  body: Buffer | string;
  /** The Lambda invocation that carried it, for the review's log line; none on the local server. */
  invocation?: Invocation;
}

export interface ReviewHttpAnswer {
  statusCode: number;
  body: string;
}

export interface ReviewService {
  handle(request: ReviewHttpRequest): Promise<ReviewHttpAnswer>;
}

export interface ReviewServiceDeps {
  settings: Settings;
  releaseSource: ReleaseSource;
  telemetry: Telemetry;
  now?: () => number;
}

const INTERNAL_ERROR = 'internal error while reviewing the request; see the webhook logs';
const PUBLIC_MESSAGES: Record<number, string> = {
  503: 'the sidecar release has not been loaded from SSM yet; see the webhook logs',
};

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function createReviewService(deps: ReviewServiceDeps): ReviewService {
  const { settings, releaseSource, telemetry } = deps;
  const now = deps.now ?? (() => performance.now());
  const tokenMatches = settings.pathToken ? pathTokenMatcher(settings.pathToken) : undefined;

  async function review(request: ReviewHttpRequest, started: number): Promise<ReviewHttpAnswer> {
    // Not found rather than forbidden: a wrong token should not confirm that the URL exists.
    if (tokenMatches && !tokenMatches(request.path)) throw new HttpError(404, 'not found');
    if (request.method !== 'POST') throw new HttpError(405, `method ${request.method} not allowed: POST an AdmissionReview`);
    const text = typeof request.body === 'string' ? request.body : undefined;
    // A string's UTF-8 form is at most 3 bytes per UTF-16 unit: below a third of the cap it
    // cannot be over it, and the exact count (a scan of the whole body) is not needed.
    const bytes = text === undefined ? request.body.length : text.length * 3 <= settings.maxBodyBytes ? 0 : Buffer.byteLength(text, 'utf8');
    if (bytes > settings.maxBodyBytes) {
      throw new HttpError(413, `body of ${bytes} bytes is over the limit of ${settings.maxBodyBytes}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text ?? (request.body as Buffer).toString('utf8'));
    } catch (error) {
      // Only the position: the parser's message quotes part of the body, which may hold secrets.
      const position = /position (\d+)/.exec((error as Error).message)?.[1];
      throw new HttpError(400, `body is not valid JSON${position ? ` (error at position ${position})` : ''}`);
    }
    const read = readAdmissionReview(parsed);
    if ('error' in read) throw new HttpError(400, `not an admission.k8s.io/v1 AdmissionReview: ${read.error}`);
    const admission = read.request;

    let decision: Decision | undefined = triage(admission, settings.injector);
    let releaseStale = false;
    let cohort: Cohort | undefined;
    if (!decision) {
      const current = await releaseSource.current();
      releaseStale = current.stale;
      let release = current.release;
      if (current.canary) {
        // Each workload's cohort from the pod's own owner references: one answer for all its pods.
        const namespace = typeof admission.namespace === 'string' ? admission.namespace : '';
        const choice = chooseCohort(admission.object, namespace, { stable: current.release, canary: current.canary }, settings.injector.annotationPrefix);
        release = choice.release;
        cohort = choice.cohort;
      }
      decision = decideWithRelease(admission, { ...settings.injector, release });
    }
    const body = admissionResponseJson(admission.uid, decision);
    telemetry.reviewed({ ...describe(admission, decision, now() - started, releaseStale), ...(cohort ? { cohort } : {}) }, request.invocation);
    return { statusCode: 200, body };
  }

  return {
    async handle(request) {
      const started = now();
      try {
        return await review(request, started);
      } catch (error) {
        const status = error instanceof HttpError ? error.status : error instanceof ReleaseUnavailableError ? 503 : 500;
        const message = error instanceof Error ? error.message : String(error);
        telemetry.failed({ status, error: message, durationMs: now() - started });
        // The caller sees our own validation messages; SSM and internal errors (which can name
        // roles, accounts and parameters) stay in the logs.
        const shown = error instanceof HttpError ? message : (PUBLIC_MESSAGES[status] ?? INTERNAL_ERROR);
        return errorAnswer(status, shown);
      }
    },
  };
}

/** Every error answer has one shape: `{"error": message, "status": code}`. */
export function errorAnswer(status: number, message: string): ReviewHttpAnswer {
  return { statusCode: status, body: JSON.stringify({ error: message, status }) };
}

function describe(admission: AdmissionRequest, decision: Decision, durationMs: number, releaseStale: boolean) {
  return {
    uid: admission.uid,
    namespace: typeof admission.namespace === 'string' ? admission.namespace : '',
    pod: podDisplayName(admission.object ?? admission.oldObject, typeof admission.name === 'string' ? admission.name : ''),
    operation: admission.operation,
    kind: typeof admission.kind?.kind === 'string' ? admission.kind.kind : '',
    action: decision.action,
    reason: decision.reason,
    patchOperations: decision.patch.length,
    warnings: decision.warnings.length,
    durationMs: Math.round(durationMs * 1000) / 1000,
    releaseStale,
    dryRun: admission.dryRun === true,
  };
}
