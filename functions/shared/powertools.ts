import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The runtime singletons, created once per cold start and shared by every handler in a bundle.
 * Service name, log level and the metrics namespace come from the POWERTOOLS_* variables that the house
 * function construct (or the local runtime) sets.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'xid';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'xid',
});
