import { checkDrift } from './drift.ts';

/**
 * The scheduled drift function (EventBridge: a schedule, and every change of the release
 * parameters). A failure (cluster unreachable, token refused) is thrown, so Lambda counts an
 * error and EventBridge's retry policy applies; nothing is published for that run.
 */
export const handler = async (): Promise<{ cluster: string; outdated: number; missing: number; current: number }> => {
  const { cluster, outdated, missing, current } = await checkDrift(process.env);
  return { cluster, outdated, missing, current };
};
