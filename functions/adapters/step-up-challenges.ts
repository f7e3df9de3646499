import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ProblemError } from '../shared/problems.ts';
import type { ChallengeClaim, StepUpChallenge } from '../step-up/model.ts';
import type { StepUpChallengePorts } from '../step-up/ports.ts';
import { DeleteCommand, documentClient } from './dynamo-client.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { type TableTransactItem, table } from './table.ts';
import { epochSeconds, KEYS } from './table-keys.ts';

/**
 * DynamoDB side of step-up challenges: one item per challenge (`STEPUP#<id>`) with the account, the nonce
 * and `expiresAt` (TTL), deleted when used. Everything that knows how a challenge is kept is in this
 * module: the port's two functions, and `useStepUpChallengeItem`, the transaction item with which another
 * store uses a challenge up inside its own transaction. Keeping challenges stateless instead (a MAC over
 * id, nonce and expiry, with only their use recorded) changes this module alone.
 */
const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Uses the challenge up, as one item of the caller's transaction: it fails its condition (and the whole
 * transaction with it) unless the challenge is this account's, carries this nonce, is unexpired and unused.
 */
export function useStepUpChallengeItem(accountId: string, claim: ChallengeClaim, now: Date) {
  return {
    Delete: {
      Key: KEYS.stepUpChallenge(claim.challengeId),
      ConditionExpression: 'accountId = :account AND nonce = :nonce AND expiresAt > :now',
      ExpressionAttributeValues: { ':account': accountId, ':nonce': claim.nonce, ':now': epochSeconds(now) },
    },
  } satisfies TableTransactItem;
}

export function stepUpChallengeStore(tableName: string) {
  const db = table(tableName);
  return {
    async issueStepUpChallenge(accountId: string, expiresAt: Date): Promise<StepUpChallenge> {
      const challenge = {
        challengeId: randomUUID(),
        nonce: randomBytes(32).toString('base64url'),
        expiresAt,
      };
      await db.put(
        {
          ...KEYS.stepUpChallenge(challenge.challengeId),
          accountId,
          nonce: challenge.nonce,
          expiresAt: epochSeconds(expiresAt),
        },
        'attribute_not_exists(pk)',
      );
      return challenge;
    },

    async stepUpChallengeUsable(accountId: string, claim: ChallengeClaim, now: Date): Promise<boolean> {
      const item = await db.get<{ accountId: string; nonce: string; expiresAt: number }>(
        KEYS.stepUpChallenge(claim.challengeId),
      );
      return (
        item !== undefined &&
        item.accountId === accountId &&
        sameText(String(item.nonce), claim.nonce) &&
        Number(item.expiresAt) > epochSeconds(now)
      );
    },

    /** Uses the challenge up on its own, for a caller without a transaction; `challenge_invalid` otherwise. */
    async useStepUpChallenge(accountId: string, claim: ChallengeClaim, now: Date): Promise<void> {
      try {
        const { Delete } = useStepUpChallengeItem(accountId, claim, now);
        await documentClient.send(new DeleteCommand({ TableName: tableName, ...Delete }));
      } catch (error) {
        if (isConditionFailure(error)) throw new ProblemError('challenge_invalid');
        throw error;
      }
    },
  } satisfies StepUpChallengePorts;
}
