import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pathPattern } from '#lib/constructs/rest-api';
import { EVENT_FUNCTIONS } from '#lib/event-functions';
import { REPO_ROOT } from '#lib/paths';
import { matchPath, ROUTES, WAF_OWN_RULE_ONLY } from '#lib/routes';

describe('route table', () => {
  it('gives every route a unique id and a unique method and path', () => {
    expect(new Set(ROUTES.map((r) => r.id)).size).toBe(ROUTES.length);
    expect(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(ROUTES.length);
  });

  it('keeps every route under /v1, but for the well-known documents and the OpenID Connect endpoints', () => {
    for (const route of ROUTES)
      expect(route.path).toMatch(/^\/(v1\/|\.well-known\/(jwks\.json|openid-configuration)$|oauth2\/)/);
  });

  it('leaves only public pages out of the API-wide WAF rule (to a rule of their own)', () => {
    for (const route of ROUTES.filter((r) => r.waf && WAF_OWN_RULE_ONLY.includes(r.waf)))
      expect(route.auth, route.id).toBe('public');
  });

  it('lets every resident route check the token again (it needs the public token key)', () => {
    for (const route of ROUTES.filter((r) => r.auth === 'resident'))
      expect(route.binds.tokenKey, route.id).toBe('verify');
  });

  it('puts every /v1/me route, and only those, behind the authorizer', () => {
    for (const route of ROUTES) expect(route.auth === 'resident').toBe(/^\/v1\/me(\/|$)/.test(route.path));
  });

  it.each(ROUTES.map((r) => [r.id, r] as const))(
    'points %s at a handler function that exists',
    async (_, route) => {
      const module = (await import(pathToFileURL(path.join(REPO_ROOT, route.entry)).href)) as Record<
        string,
        unknown
      >;
      expect(typeof module[route.handler]).toBe('function');
    },
  );

  it.each(Object.entries(EVENT_FUNCTIONS))(
    'points event function %s at a handler that exists',
    async (_, fn) => {
      const module = (await import(pathToFileURL(path.join(REPO_ROOT, fn.entry)).href)) as Record<
        string,
        unknown
      >;
      expect(typeof module[fn.handler]).toBe('function');
    },
  );

  it('matches path templates and decodes their parameters', () => {
    expect(matchPath('/v1/terms/{document}', '/v1/terms/terms-of-use')).toEqual({ document: 'terms-of-use' });
    expect(matchPath('/v1/a/{x}/b/{y}', '/v1/a/1%202/b/z')).toEqual({ x: '1 2', y: 'z' });
    expect(matchPath('/v1/terms', '/v1/terms')).toEqual({});
  });

  it('does not match a parameter across slashes, nor a prefix', () => {
    expect(matchPath('/v1/terms/{document}', '/v1/terms/a/b')).toBeUndefined();
    expect(matchPath('/v1/terms', '/v1/terms/extra')).toBeUndefined();
    expect(matchPath('/v1/terms', '/v1/termsx')).toBeUndefined();
  });
});

describe('WAF path patterns', () => {
  it('match the route templates with or without the stage in front, and nothing else', () => {
    const pattern = new RegExp(pathPattern(['/oauth2/authorize', '/oauth2/requests/{requestId}/login-hint']));
    for (const path of [
      '/oauth2/authorize',
      '/live/oauth2/authorize',
      '/live/oauth2/requests/abc/login-hint',
    ])
      expect(path).toMatch(pattern);
    for (const path of ['/oauth2/authorizex', '/oauth2/requests/a/b/login-hint', '/v1/me', '/oauth2/token'])
      expect(path).not.toMatch(pattern);
  });
});
