import { describe, expect, it } from 'vitest';
import { type EventSource, eventNames, loadEvent } from '#events/load';
import { EVENT_FUNCTIONS } from '#lib/event-functions';
import { matchPath, ROUTES } from '#lib/routes';

/** The sample events of `events/` stay usable: one source folder per kind of event a function reads. */
describe('sample events', () => {
  it.each([...new Set(['apigw', ...Object.values(EVENT_FUNCTIONS).map((fn) => fn.source)])])(
    'has at least one %s event',
    (source) => {
      expect(eventNames(source as EventSource).length).toBeGreaterThan(0);
    },
  );

  it.each(eventNames('apigw'))(
    'apigw/%s names a route of the table, with a body its schema accepts',
    (name) => {
      const event = loadEvent('apigw', name);
      const route = ROUTES.find((r) => r.method === event.httpMethod && matchPath(r.path, event.path));
      expect(route, `${event.httpMethod} ${event.path}`).toBeDefined();
      expect(event.resource).toBe(route?.path);
      if (route?.body) expect(route.body.safeParse(JSON.parse(event.body ?? 'null')).success).toBe(true);
      if (route?.auth === 'resident') expect(event.requestContext.authorizer?.accountId).toBeTypeOf('string');
    },
  );

  it('gives a fresh copy on every load', () => {
    const a = loadEvent('sns', 'notice');
    (a.Records[0] as { Sns: { Message: string } }).Sns.Message = 'changed';
    expect(loadEvent('sns', 'notice').Records[0]?.Sns.Message).not.toBe('changed');
  });
});
