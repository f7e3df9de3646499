import type * as http from 'node:http';
import type {
  CreatePlatformEndpointCommandInput,
  CreatePlatformEndpointCommandOutput,
  CreateTopicCommandInput,
  CreateTopicCommandOutput,
  DeleteEndpointCommandInput,
  DeleteEndpointCommandOutput,
  GetEndpointAttributesCommandInput,
  GetEndpointAttributesCommandOutput,
  PublishCommandInput,
  PublishCommandOutput,
  SetEndpointAttributesCommandInput,
  SetEndpointAttributesCommandOutput,
  SubscribeCommandInput,
  SubscribeCommandOutput,
  UnsubscribeCommandInput,
  UnsubscribeCommandOutput,
} from '@aws-sdk/client-sns';
import { type AwsService, AwsServiceError, callAws, rfc3986, xmlElement, xmlText } from './aws-http.ts';

/**
 * SNS for the request paths, in the Query protocol SNS speaks (a form-encoded POST, an XML answer) over
 * `aws-http.ts`, with the SDK's command names, inputs and outputs: the device endpoints, the municipality
 * push topics and their subscriptions, and publishing. Errors are named as the SDK names them: a code SNS
 * models with `Exception` after it (`NotFound` → `NotFoundException`), any other as it comes. The topic and platform-application management of the CLIs and the
 * deployment's custom resource stays on the SDK's client (`clients.ts`), where start-up time does not count.
 */
const VERSION = '2010-03-31';

/** An input as Query parameters: maps as `.entry.N.key`/`.value` (`MessageAttributes` by `Name`/`Value`), lists as `.member.N`. */
export function queryParameters(input: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  const text = (value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value);
  const present = <T>(entries: [string, T][]) =>
    entries.filter(([, value]) => value !== undefined && value !== null);
  for (const [name, value] of present(Object.entries(input))) {
    if (name === 'MessageAttributes') {
      present(Object.entries(value as Record<string, Record<string, unknown>>)).forEach(
        ([key, attribute], i) => {
          out.push([`${name}.entry.${i + 1}.Name`, key]);
          for (const [member, content] of present(Object.entries(attribute)))
            out.push([`${name}.entry.${i + 1}.Value.${member}`, text(content)]);
        },
      );
    } else if (Array.isArray(value)) {
      value.forEach((member, i) => {
        if (typeof member !== 'object' || member === null)
          out.push([`${name}.member.${i + 1}`, text(member)]);
        else
          for (const [key, content] of present(Object.entries(member as Record<string, unknown>)))
            out.push([`${name}.member.${i + 1}.${key}`, text(content)]);
      });
    } else if (typeof value === 'object' && !(value instanceof Uint8Array)) {
      present(Object.entries(value as Record<string, unknown>)).forEach(([key, content], i) => {
        out.push([`${name}.entry.${i + 1}.key`, key], [`${name}.entry.${i + 1}.value`, text(content)]);
      });
    } else out.push([name, text(value)]);
  }
  return out;
}

/** The text of the first `<name>` element, decoded; undefined when there is none. */
export function xmlField(xml: string, name: string): string | undefined {
  const content = xmlElement(xml, name);
  return content === undefined ? undefined : xmlText(content);
}

/**
 * The error codes SNS's API models, which the SDK names `<code>Exception` (`NotFound` →
 * `NotFoundException`); any other code (`Throttling`, `InternalFailure`, `SignatureDoesNotMatch` …) keeps
 * its name, as the SDK keeps it.
 */
const MODELLED_ERRORS = new Set([
  'AuthorizationError',
  'ConcurrentAccess',
  'EndpointDisabled',
  'FilterPolicyLimitExceeded',
  'InternalError',
  'InvalidParameter',
  'InvalidSecurity',
  'InvalidState',
  'KMSAccessDenied',
  'KMSDisabled',
  'KMSInvalidState',
  'KMSNotFound',
  'KMSOptInRequired',
  'KMSThrottling',
  'NotFound',
  'OptedOut',
  'PlatformApplicationDisabled',
  'ReplayLimitExceeded',
  'ResourceNotFound',
  'StaleTag',
  'SubscriptionLimitExceeded',
  'TagLimitExceeded',
  'TagPolicy',
  'Throttled',
  'TopicLimitExceeded',
  'UserError',
]);
/** Modelled codes whose SDK name is not `<code>Exception`. */
const SDK_ERROR_NAMES: Record<string, string> = { ParameterValueInvalid: 'InvalidParameterValueException' };

const SNS: AwsService = {
  signingName: 'sns',
  displayName: 'SNS',
  request: (action, input) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: [['Action', action] as [string, string], ['Version', VERSION] as [string, string]]
      .concat(queryParameters(input as Record<string, unknown>))
      .map(([name, value]) => `${rfc3986(name)}=${rfc3986(value)}`)
      .join('&'),
  }),
  error: (status: number, _headers: http.IncomingHttpHeaders, body: string) => {
    const code = xmlField(body, 'Code') ?? (status === 404 ? 'NotFound' : `Http${status}`);
    const name = SDK_ERROR_NAMES[code] ?? (MODELLED_ERRORS.has(code) ? `${code}Exception` : code);
    return new AwsServiceError(name, xmlField(body, 'Message') ?? name, status);
  },
};

/**
 * Whether an error is SNS's error `code` (`NotFound`, `EndpointDisabled` …), however named: as SNS codes
 * it, or as the SDK and this client name it (`NotFoundException`).
 */
export function isSnsError(error: unknown, code: string): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === code || name === `${code}Exception`;
}

/** An SNS command: an action, its input, and what its answer's XML holds. */
export interface SnsCommand<I, O> {
  readonly action: string;
  readonly input: I;
  fromXml(xml: string): O;
}

/** A command whose answer is one text field (`EndpointArn`, `TopicArn` …) or nothing. */
function command<I extends object, O>(action: string, field?: string) {
  return class implements SnsCommand<I, O> {
    readonly action = action;
    constructor(readonly input: I) {}
    fromXml(xml: string): O {
      return (field ? { [field]: xmlField(xml, field) } : {}) as O;
    }
  };
}

export const PublishCommand = command<PublishCommandInput, PublishCommandOutput>('Publish', 'MessageId');
export const CreatePlatformEndpointCommand = command<
  CreatePlatformEndpointCommandInput,
  CreatePlatformEndpointCommandOutput
>('CreatePlatformEndpoint', 'EndpointArn');
export const SetEndpointAttributesCommand = command<
  SetEndpointAttributesCommandInput,
  SetEndpointAttributesCommandOutput
>('SetEndpointAttributes');
export const DeleteEndpointCommand = command<DeleteEndpointCommandInput, DeleteEndpointCommandOutput>(
  'DeleteEndpoint',
);
export const CreateTopicCommand = command<CreateTopicCommandInput, CreateTopicCommandOutput>(
  'CreateTopic',
  'TopicArn',
);
export const SubscribeCommand = command<SubscribeCommandInput, SubscribeCommandOutput>(
  'Subscribe',
  'SubscriptionArn',
);
export const UnsubscribeCommand = command<UnsubscribeCommandInput, UnsubscribeCommandOutput>('Unsubscribe');

/** `GetEndpointAttributes`: the endpoint's attributes (`Enabled`, `Token` …) as a map. */
export class GetEndpointAttributesCommand
  implements SnsCommand<GetEndpointAttributesCommandInput, GetEndpointAttributesCommandOutput>
{
  readonly action = 'GetEndpointAttributes';
  constructor(readonly input: GetEndpointAttributesCommandInput) {}
  fromXml(xml: string): GetEndpointAttributesCommandOutput {
    const Attributes: Record<string, string> = {};
    for (const [, entry] of xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)) {
      const key = xmlField(entry as string, 'key');
      if (key !== undefined) Attributes[key] = xmlField(entry as string, 'value') ?? '';
    }
    return { Attributes } as GetEndpointAttributesCommandOutput;
  }
}

/** The SNS client of the request paths: `send(new PublishCommand({...}))`, as with the SDK's. */
export const snsClient = {
  async send<I, O>(command: SnsCommand<I, O>): Promise<O> {
    return command.fromXml(await callAws(SNS, command.action, command.input));
  },
};
