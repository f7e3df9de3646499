import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The SDK's default credential chain, as the function bundles have it. Lambda gives every function its
 * execution role's credentials in the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`), so the rest of the chain (profiles, SSO, STS web identity, instance metadata and
 * the nested SSO/STS clients behind them, about 130 KB) is never used there. The house function's
 * bundling aliases `@aws-sdk/credential-provider-node` to this module (lib/constructs/house-function.ts),
 * which takes about 50 ms off every cold start; the local runtime and the CLIs run the SDK unbundled,
 * with its whole chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
