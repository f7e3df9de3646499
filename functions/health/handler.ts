import { stage } from '../shared/config.ts';
import { apiHandler } from '../shared/http/api.ts';
import { json } from '../shared/http/response.ts';
import type { HealthResponse } from './schemas.ts';

const currentStage = stage();

/** `GET /v1/health`: a liveness answer that touches no dependency, for load balancers and smoke tests. */
export const getHealth = async () =>
  json(200, { status: 'ok', stage: currentStage } satisfies HealthResponse);

export const handler = apiHandler({}, getHealth);
