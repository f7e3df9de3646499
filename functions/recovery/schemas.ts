import * as z from 'zod';
import { cardSignature, registrationStatement } from '../registration/schemas.ts';

/**
 * `POST /v1/recoveries` (design.md §3.9): a new phone, a lost phone or forgotten PINs. The statement is the
 * registration statement's, with its own type, signed by the card the same way.
 */
export const recoveryStatement = registrationStatement.extend({ type: z.literal('xid/recovery/v1') });

export const recoveryBody = z.strictObject({ statement: recoveryStatement, ...cardSignature });

export type RecoveryBody = z.infer<typeof recoveryBody>;
