import type { APIGatewayProxyResult } from 'aws-lambda';
import { type FieldError, PROBLEMS, type ProblemCode, problemType } from '../problems.ts';
import { type Language, problemText } from './language.ts';

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
    /** The request's language (`Accept-Language`); the answer then says which it used. English if absent. */
    language?: Language;
  } = {},
): APIGatewayProxyResult {
  const { status } = PROBLEMS[code];
  const { title, detail } = problemText(code, options.detail, options.language ?? 'en');
  const body: Record<string, unknown> = { type: problemType(code), title, status, code };
  if (detail) body.detail = detail;
  if (options.instance) body.instance = options.instance;
  if (options.errors?.length) body.errors = options.errors;
  const language: Record<string, string> = options.language
    ? { 'Content-Language': options.language, Vary: 'Accept-Language' }
    : {};
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/problem+json; charset=utf-8', ...language, ...options.headers },
    body: JSON.stringify(body),
  };
}

/** An empty success (`204 No Content`). */
export function noContent(): APIGatewayProxyResult {
  return { statusCode: 204, headers: {}, body: '' };
}
