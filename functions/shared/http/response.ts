import type { APIGatewayProxyResult } from 'aws-lambda';
import { type FieldError, PROBLEMS, type ProblemCode, problemType } from '../problems.ts';

/** Headers on every API response: no caching of personal data, no sniffing, no framing, strict transport. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

/** A JSON response. */
export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** The RFC 9457 problem document for a code; the single place where codes become HTTP. */
export function problem(
  code: ProblemCode,
  options: {
    detail?: string;
    instance?: string;
    errors?: FieldError[];
    headers?: Record<string, string>;
  } = {},
): APIGatewayProxyResult {
  const { status, title } = PROBLEMS[code];
  const body: Record<string, unknown> = { type: problemType(code), title, status, code };
  if (options.detail) body.detail = options.detail;
  if (options.instance) body.instance = options.instance;
  if (options.errors?.length) body.errors = options.errors;
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/problem+json; charset=utf-8', ...options.headers },
    body: JSON.stringify(body),
  };
}

/** An empty success (`204 No Content`). */
export function noContent(): APIGatewayProxyResult {
  return { statusCode: 204, headers: {}, body: '' };
}
