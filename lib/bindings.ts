/**
 * What a function may touch and how it is built, declared as data: the route table (`routes.ts`) and the
 * event-function catalogue (`event-functions.ts`) both describe their functions with these, every stack
 * builds its functions from them with `buildFunctions` (constructs/house-function.ts), and the
 * infrastructure tests check each function's IAM policy against them. Each binding becomes one `bindX`
 * call on the house function: an IAM grant and the environment variable the function reads, together.
 */
export interface Bindings {
  table?: 'read' | 'write' | 'readWrite';
  /** The e-mail confirmation link only: GetItem and UpdateItem on links' and accounts' items, nothing else. */
  emailVerification?: boolean;
  dataKey?: 'encrypt' | 'decrypt' | 'encryptDecrypt';
  /**
   * The token-signing keys: `verify` gets the published keys in its environment, `sign` also the signing
   * key (wrapped) and KMS Decrypt to unwrap it, `provision` makes and rotates them (the custom resource).
   */
  tokenKey?: 'sign' | 'verify' | 'provision';
  /** The KMS HMAC key the stateless challenges' MAC key is derived from (GenerateMac only). */
  challengeKey?: boolean;
  mail?: boolean;
  /** JPKI trust material: anchors and CRLs (read access to their S3 objects, and their sources). */
  jpki?: boolean;
  /** The certificate linkage and the re-verification rules (read access to the linkage's S3 objects). */
  linkage?: boolean;
  /** Push devices: endpoints in the platform applications, and subscribing them to the push topics. */
  push?: boolean;
  /** The municipality push topics: publish a notice to them, or take an endpoint off them. */
  pushTopics?: 'publish' | 'unsubscribe';
  /** The municipalities' receipts topics: publish a receipt to them (design.md §3.12). */
  receipts?: 'publish';
  /** Every municipality's notices, read only (`NOTICES#…` partitions): the public notices route. */
  publicNotices?: boolean;
  /** The stage's SNS platform applications and their credentials secrets (the custom resource only). */
  platformApplications?: boolean;
  /** Pushes to one resident's own device: Publish to the device endpoints (never to a topic). */
  devicePush?: boolean;
  /** The alarm chat webhook's secret (read only, by the name the stage configures), when there is one. */
  chatWebhook?: boolean;
  /** The KMS HMAC key of Sign in with xID's pairwise `sub` (GenerateMac only). */
  pairwiseKey?: boolean;
}

/** One function as the catalogues declare it. */
export interface FunctionSpec {
  /** Unique, stable id: the function's construct id (and, for routes, its `npm run invoke` name). */
  id: string;
  /** Handler module, relative to the repository root. */
  entry: string;
  /** Named export of the module that is the Lambda handler. */
  handler: string;
  description: string;
  binds: Bindings;
  /** Folders (relative to the repository root) copied next to the bundle. */
  assets?: string[];
  /**
   * `async` functions are invoked by AWS services (SNS, EventBridge) with retries: they get an on-failure
   * destination, a dead-letter queue with an alarm. `sync` ones answer their caller, who sees the error.
   */
  invocation?: 'sync' | 'async';
  /** Default 10 seconds (`HouseFunctionProps.timeout`). */
  timeoutSeconds?: number;
  /** Default 512 MB. */
  memorySize?: number;
}
