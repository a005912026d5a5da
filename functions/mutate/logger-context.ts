import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';

/**
 * Gives each invocation's Lambda context (request id, cold start, function name and ARN) to
 * Powertools' logger, as Powertools' injectLambdaContext middleware does, without the work that
 * middleware repeats on every invocation for features this function does not use: no keys are
 * ever appended (nothing to reset), no log buffer is configured (nothing to clear), the event is
 * never logged (it holds the pod, whose env values can be secrets), and the debug-sampling level
 * is recomputed only when POWERTOOLS_LOGGER_SAMPLE_RATE asks for sampling (otherwise the level
 * never changes, and recomputing it looks its name up in a table each time). Measured on the
 * production path (npm run bench): Powertools' middleware cost 8-9 us per invocation, a third of
 * what the Lambda shell added to a review.
 */
export function loggerContext<TEvent, TResult>(logger: Logger, env: Record<string, string | undefined>): MiddlewareObj<TEvent, TResult, Error, Context> {
  const sampling = Number(env.POWERTOOLS_LOGGER_SAMPLE_RATE ?? '0') > 0;
  return {
    before(request) {
      if (sampling) logger.refreshSampleRateCalculation();
      logger.addContext(request.context);
    },
  };
}
