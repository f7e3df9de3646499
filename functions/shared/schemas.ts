import * as z from 'zod';
import { PROBLEMS, type ProblemCode } from './problems.ts';

/**
 * Building blocks that several capabilities' request and response schemas share, so that one kind of value
 * (a nonce, a digest, a municipality code, a compact JWS) is described once, in the API contract too.
 */
export const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');
export const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be lower-case hex SHA-256');

/** A server nonce: 32 random bytes, base64url without padding. */
export const serverNonce = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes of base64url');

/** An instant as the API writes it: `Date.toISOString()`, UTC. */
export const instant = z.iso.datetime();

/** A compact JWS (or JWT): three base64url parts. */
export const compactJws = z
  .string()
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a compact JWS');

/** The 6-digit 全国地方公共団体コード: JIS X 0402 code and check digit. */
export const municipalityCode = z.string().regex(/^\d{6}$/, 'must be a 6-digit municipality code');

/** A municipality named in an answer. */
export const municipalityRef = z.strictObject({ code: municipalityCode, name: z.string().min(1) });

/** One invalid member of a body, as a JSON Pointer (RFC 6901) and what is wrong with it. */
export const fieldError = z.strictObject({ pointer: z.string(), detail: z.string() });

/** The RFC 9457 problem document every error is answered with (`application/problem+json`). */
export const problemDocument = z.strictObject({
  type: z.string().regex(/^urn:xid:problem:[a-z_]+$/),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  code: z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]]),
  detail: z.string().optional(),
  /** The request id to quote to support. */
  instance: z.string().optional(),
  errors: z.array(fieldError).optional(),
});

export type ProblemDocument = z.infer<typeof problemDocument>;
