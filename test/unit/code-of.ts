import { ProblemError } from '#functions/shared/problems';

/** What a use case answered: `'ok'`, or the code of the problem it threw (any other error is rethrown). */
export async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    if (error instanceof ProblemError) return error.code;
    throw error;
  }
}
