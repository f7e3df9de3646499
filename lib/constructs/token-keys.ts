import { CustomResource } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.ts';
import { EVENT_FUNCTIONS } from '../event-functions.ts';
import { buildFunctions, type HouseFunction, type StatefulResources } from './house-function.ts';
import { houseProvider } from './provider.ts';

export interface TokenKeysProps {
  config: StageConfig;
  /** The table that keeps the key set and the KMS key that wraps its private keys. */
  resources: StatefulResources;
}

/**
 * The token-signing keys of a stage (functions/auth/token-key-set.ts), made by a custom resource at the
 * first deployment: P-256 key pairs generated in the custom resource's function, each private key wrapped
 * at once with KMS `Encrypt` under the token key and kept only as ciphertext in the table. The resource
 * answers the set as the functions' environment wants it (`attributes`), so the functions of this stack
 * get the current keys with every deployment. A new `tokenKeyRotation` label in the stage configuration
 * rotates at the next deployment (docs/operations.md).
 */
export class TokenKeys extends Construct {
  public readonly handler: HouseFunction;
  /** JSON of the published keys and of the wrapped signing key, for `StatefulResources.tokenKeys`. */
  public readonly attributes: { publicKeys: string; signingKey: string };
  /** The kid that signs after this deployment. */
  public readonly signerKid: string;

  constructor(scope: Construct, id: string, props: TokenKeysProps) {
    super(scope, id);
    const { config } = props;
    this.handler = buildFunctions(this, [EVENT_FUNCTIONS.tokenKeys], { config, resources: props.resources })
      .functions.tokenKeys as HouseFunction;
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: houseProvider(this, this.handler, config).serviceToken,
      resourceType: 'Custom::TokenKeys',
      properties: { Rotation: config.tokenKeyRotation },
    });
    this.attributes = {
      publicKeys: resource.getAttString('PublicKeys'),
      signingKey: resource.getAttString('SigningKey'),
    };
    this.signerKid = resource.getAttString('SignerKid');
  }
}
