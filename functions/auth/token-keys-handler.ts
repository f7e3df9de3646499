import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { tokenKeyStore } from '../adapters/token-key-store.ts';
import { wrapKey } from '../adapters/wrapped-keys.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger } from '../shared/powertools.ts';
import { tokenKeysResource } from './use-cases.ts';

/**
 * The custom resource that provisions and rotates the token-signing keys (`Custom::TokenKeys`, made by
 * lib/constructs/token-keys.ts; the local runtime invokes it too, with a Create event, at every start).
 * Logs which key signs, never key material.
 */
export const handler = async (event: CloudFormationCustomResourceEvent) => {
  const result = await tokenKeysResource(event, {
    ...tokenKeyStore(required(ENV.tableName)),
    wrapPrivateKey: (pkcs8, context) => wrapKey(required(ENV.tokenKeyId), pkcs8, context),
    now: () => new Date(),
  });
  logger.info('token keys', { requestType: event.RequestType, signerKid: result.Data?.SignerKid });
  return result;
};
