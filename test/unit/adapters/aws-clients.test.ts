import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsServiceError } from '#functions/adapters/aws-http';
import {
  BatchGetCommand,
  documentClient,
  everyItem,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '#functions/adapters/dynamo-client';
import { attemptWrite, isConditionFailure } from '#functions/adapters/dynamo-errors';
import { DecryptCommand, GenerateMacCommand, kmsClient } from '#functions/adapters/kms-client';
import {
  CreatePlatformEndpointCommand,
  GetEndpointAttributesCommand,
  isSnsError,
  PublishCommand,
  queryParameters,
  snsClient,
} from '#functions/adapters/sns-client';
import { type CallTally, countInto } from '#functions/shared/aws-calls';
import { CLIENT_BUDGET, isDependencyFailure, isThrottling } from '#functions/shared/dependency-failure';
import { ENV } from '#functions/shared/env';
import { type StandIn, startStandIn } from '#test/harness/stand-in';

/**
 * The request paths' own DynamoDB, KMS and SNS clients (aws-http.ts and the three protocol modules),
 * against a loopback stand-in that records what it was sent and answers as each test says: the wire format
 * of each protocol, SigV4, the SDK-shaped errors the stores read, the retry policy and the call counter.
 */
let standIn: StandIn;
/** The answers to give, in order; with none left, the stand-in hangs (the client's budget decides). */
let answers: StandIn['respond'][] = [];
const seen = () => standIn.seen;

beforeAll(async () => {
  standIn = await startStandIn((request, response) => answers.shift()?.(request, response));
  vi.stubEnv(ENV.localAwsEndpoint, standIn.url);
  vi.stubEnv(ENV.region, 'ap-northeast-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
  vi.stubEnv(ENV.countAwsCalls, 'true');
});

afterEach(() => {
  standIn.seen.length = 0;
  answers = [];
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await standIn.close();
});

const json =
  (status: number, body: unknown, type = 'application/x-amz-json-1.0') =>
  (_: unknown, res: ServerResponse) =>
    res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
const xml = (status: number, body: string) => (_: unknown, res: ServerResponse) =>
  res.writeHead(status, { 'content-type': 'text/xml' }).end(body);
const failureOf = (run: Promise<unknown>) =>
  run.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error & Record<string, unknown>,
  );
const counted = async <T>(run: () => Promise<T>): Promise<{ result: T; tally: CallTally }> => {
  const tally: CallTally = {};
  const result = await countInto(tally, run);
  return { result, tally };
};
const signedFor = (service: string) =>
  new RegExp(
    `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/ap-northeast-1/${service}/aws4_request, SignedHeaders=[^,]*content-type;host[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$`,
  );

describe('DynamoDB (AWS JSON 1.0)', () => {
  it('sends a GetItem signed for dynamodb with its key marshalled, and reads the item back as plain values', async () => {
    answers.push(
      json(200, {
        Item: {
          pk: { S: 'ACCOUNT#1' },
          generation: { N: '3' },
          sealed: { B: Buffer.from([1, 2, 255]).toString('base64') },
          tags: { L: [{ S: 'a' }, { BOOL: true }, { NULL: true }] },
        },
      }),
    );
    const { result, tally } = await counted(() =>
      documentClient.send(
        new GetCommand({ TableName: 't', Key: { pk: 'ACCOUNT#1', sk: 'PROFILE' }, ConsistentRead: true }),
      ),
    );
    expect(result.Item).toEqual({
      pk: 'ACCOUNT#1',
      generation: 3,
      sealed: new Uint8Array([1, 2, 255]),
      tags: ['a', true, null],
    });
    expect(tally).toEqual({ 'DynamoDB:GetItem': 1 });
    const [request] = seen();
    expect(request?.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(request?.headers.authorization).toMatch(signedFor('dynamodb'));
    expect(JSON.parse(request?.body ?? '')).toEqual({
      TableName: 't',
      Key: { pk: { S: 'ACCOUNT#1' }, sk: { S: 'PROFILE' } },
      ConsistentRead: true,
    });
  });

  it('marshals every item of a transaction and leaves undefined members out', async () => {
    answers.push(json(200, {}));
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: { TableName: 't', Item: { pk: 'a', sk: 'b', gone: undefined, bytes: new Uint8Array([7]) } },
          },
          {
            Update: {
              TableName: 't',
              Key: { pk: 'a', sk: 'c' },
              UpdateExpression: 'SET #n = :n',
              ExpressionAttributeNames: { '#n': 'n' },
              ExpressionAttributeValues: { ':n': 2 },
            },
          },
          { Delete: { TableName: 't', Key: { pk: 'a', sk: 'd' } } },
        ],
      }),
    );
    expect(seen()[0]?.headers['x-amz-target']).toBe('DynamoDB_20120810.TransactWriteItems');
    expect(JSON.parse(seen()[0]?.body ?? '')).toEqual({
      ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      TransactItems: [
        { Put: { TableName: 't', Item: { pk: { S: 'a' }, sk: { S: 'b' }, bytes: { B: 'Bw==' } } } },
        {
          Update: {
            TableName: 't',
            Key: { pk: { S: 'a' }, sk: { S: 'c' } },
            UpdateExpression: 'SET #n = :n',
            ExpressionAttributeNames: { '#n': 'n' },
            ExpressionAttributeValues: { ':n': { N: '2' } },
          },
        },
        { Delete: { TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'd' } } } },
      ],
    });
  });

  it('gives a cancelled transaction’s reasons as DynamoDB names them, and does not send it again', async () => {
    answers.push(
      json(400, {
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        Message:
          'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Item: { s: { S: 'pending' } } },
        ],
      }),
    );
    const error = await failureOf(
      documentClient.send(
        new TransactWriteCommand({ TransactItems: [{ Put: { TableName: 't', Item: { pk: 'a' } } }] }),
      ),
    );
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.$fault).toBe('client');
    expect(error.$metadata).toEqual({ httpStatusCode: 400 });
    expect(error.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Item: { s: { S: 'pending' } } },
    ]);
    expect(isConditionFailure(error, 1)).toBe(true);
    expect(isConditionFailure(error, 0)).toBe(false);
    expect(isDependencyFailure(error)).toBe(false);
    expect(seen()).toHaveLength(1);
  });

  it('gives a transaction an idempotency token, the same on the second attempt (a first that landed is then its success)', async () => {
    answers.push(json(500, { __type: 'InternalServerError', message: 'boom' }), json(200, {}));
    await documentClient.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: 't', Item: { pk: 'a' } } }] }),
    );
    const tokens = seen().map((request) => JSON.parse(request.body).ClientRequestToken as string);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens[1]).toBe(tokens[0]);
  });

  it('gives the items a refused condition returns in attribute-value form, binaries as bytes', async () => {
    answers.push(
      json(400, {
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        Message: 'Transaction cancelled [ConditionalCheckFailed]',
        CancellationReasons: [{ Code: 'ConditionalCheckFailed', Item: { k: { B: 'AQI=' }, s: { S: 'x' } } }],
      }),
      json(400, {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
        Item: { m: { M: { k: { B: 'Aw==' } } } },
      }),
    );
    const cancelled = await failureOf(
      documentClient.send(
        new TransactWriteCommand({ TransactItems: [{ Put: { TableName: 't', Item: { pk: 'a' } } }] }),
      ),
    );
    expect(cancelled.CancellationReasons).toEqual([
      { Code: 'ConditionalCheckFailed', Item: { k: { B: new Uint8Array([1, 2]) }, s: { S: 'x' } } },
    ]);
    const refused = await failureOf(
      documentClient.send(new PutCommand({ TableName: 't', Item: { pk: 'a' } })),
    );
    expect(refused.Item).toEqual({ m: { M: { k: { B: new Uint8Array([3]) } } } });
  });

  it('answers a conditional write that lost as refused, through the one write-failure helper', async () => {
    answers.push(
      json(400, {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
      }),
    );
    const refused = await attemptWrite(
      () =>
        documentClient.send(
          new PutCommand({
            TableName: 't',
            Item: { pk: 'a' },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      [0],
    );
    expect(refused).toBe(0);
  });

  it('reads a batch by table, and gives the keys left over back as they went in', async () => {
    answers.push(
      json(200, {
        Responses: { t: [{ pk: { S: 'a' }, n: { N: '1' } }] },
        UnprocessedKeys: { t: { Keys: [{ pk: { S: 'b' } }], ConsistentRead: true } },
      }),
    );
    const { Responses, UnprocessedKeys } = await documentClient.send(
      new BatchGetCommand({
        RequestItems: { t: { Keys: [{ pk: 'a' }, { pk: 'b' }], ConsistentRead: true } },
      }),
    );
    expect(JSON.parse(seen()[0]?.body ?? '')).toEqual({
      RequestItems: { t: { Keys: [{ pk: { S: 'a' } }, { pk: { S: 'b' } }], ConsistentRead: true } },
    });
    expect(Responses).toEqual({ t: [{ pk: 'a', n: 1 }] });
    expect(UnprocessedKeys).toEqual({ t: { Keys: [{ pk: 'b' }], ConsistentRead: true } });
  });

  it('reads every page of a query or a scan, each from where the last ended', async () => {
    for (const scan of [false, true]) {
      standIn.seen.length = 0;
      answers.push(
        json(200, { Items: [{ pk: { S: 'a' } }], LastEvaluatedKey: { pk: { S: 'a' } } }),
        json(200, { Items: [{ pk: { S: 'b' } }] }),
      );
      const items = await everyItem({ TableName: 't', KeyConditionExpression: 'pk = :p' }, scan);
      expect(items).toEqual([{ pk: 'a' }, { pk: 'b' }]);
      expect(seen().map((request) => request.headers['x-amz-target'])).toEqual(
        Array(2).fill(`DynamoDB_20120810.${scan ? 'Scan' : 'Query'}`),
      );
      expect(JSON.parse(seen()[0]?.body ?? '').ExclusiveStartKey).toBeUndefined();
      expect(JSON.parse(seen()[1]?.body ?? '').ExclusiveStartKey).toEqual({ pk: { S: 'a' } });
    }
  });

  it('brings any item back unchanged through the wire form (property)', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.uint8Array({ maxLength: 8 }).map((bytes) => new Uint8Array(bytes)),
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 3 }),
        tie('map'),
      ),
      map: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), tie('node'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(value.map as fc.Arbitrary<Record<string, unknown>>, (item) => {
        const wire = new PutCommand({ TableName: 't', Item: item }).toWire({ TableName: 't', Item: item });
        const json = JSON.parse(JSON.stringify(wire)) as Record<string, unknown>;
        const back = new GetCommand({ TableName: 't', Key: {} }).fromWire({ Item: json.Item });
        expect(back.Item).toEqual(item);
      }),
    );
  });
});

describe('retries, budget and counting', () => {
  it('tries a 5xx once more, and counts the call once', async () => {
    answers.push(
      json(500, { __type: 'InternalServerError', message: 'boom' }),
      json(200, { Item: { pk: { S: 'a' } } }),
    );
    const { result, tally } = await counted(() =>
      documentClient.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })),
    );
    expect(result.Item).toEqual({ pk: 'a' });
    expect(seen()).toHaveLength(2);
    expect(tally).toEqual({ 'DynamoDB:GetItem': 1 });
  });

  it('gives up on throttling after the budget’s attempts, as a throttling dependency failure', async () => {
    answers.push(
      json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'slow down' }),
      json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'slow down' }),
    );
    const error = await failureOf(documentClient.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })));
    expect(seen()).toHaveLength(CLIENT_BUDGET.maxAttempts);
    expect(isThrottling(error)).toBe(true);
    expect(isDependencyFailure(error)).toBe(true);
  });

  it('keeps the service’s fields as own properties, never as the error’s prototype', async () => {
    answers.push((_, res) =>
      res
        .writeHead(400, { 'content-type': 'application/x-amz-json-1.0' })
        .end('{"__type":"ValidationException","message":"bad","__proto__":{"polluted":true},"Extra":1}'),
    );
    const error = await failureOf(documentClient.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })));
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error.Extra).toBe(1);
    expect('polluted' in error).toBe(false);
  });

  it('does not try a client error again', async () => {
    answers.push(json(400, { __type: 'com.amazon.coral.validate#ValidationException', message: 'bad key' }));
    const error = await failureOf(documentClient.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })));
    expect([error.name, error.message]).toEqual(['ValidationException', 'bad key']);
    expect(isDependencyFailure(error)).toBe(false);
    expect(seen()).toHaveLength(1);
  });

  it('gives up on a service that never answers within the budget, as a dependency failure', async () => {
    const started = Date.now();
    const error = await failureOf(documentClient.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })));
    expect(error.name).toBe('TimeoutError');
    expect(isDependencyFailure(error)).toBe(true);
    expect(seen()).toHaveLength(CLIENT_BUDGET.maxAttempts);
    // Bounded by the budget (not a timing assertion: a generous ceiling that only a missing timeout breaks).
    expect(Date.now() - started).toBeLessThan(
      CLIENT_BUDGET.maxAttempts * (CLIENT_BUDGET.connectionTimeoutMs + CLIENT_BUDGET.requestTimeoutMs) + 2000,
    );
  }, 15_000);

  it('sends a request again on a new connection when a kept-alive one turns out closed, as one attempt', async () => {
    const sockets = new Set<unknown>();
    standIn.respond = (request, response) => {
      const reused = sockets.has(request.socket);
      sockets.add(request.socket);
      // The second request on a kept-alive connection finds it closed (the service closed it while idle).
      if (reused) request.socket.destroy();
      else json(200, { Item: { pk: { S: 'a' } } })(request, response);
    };
    try {
      await documentClient.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } }));
      const { result, tally } = await counted(() =>
        documentClient.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })),
      );
      expect(result.Item).toEqual({ pk: 'a' });
      expect(tally).toEqual({ 'DynamoDB:GetItem': 1 });
      expect(seen()).toHaveLength(3);
    } finally {
      standIn.respond = (request, response) => answers.shift()?.(request, response);
    }
  });

  it('signs with the credentials of the SDK’s default chain (a profile, for the CLIs), and does not retry without any', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'xid-credentials-'));
    const file = path.join(folder, 'credentials');
    writeFileSync(
      file,
      '[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n',
    );
    try {
      vi.resetModules();
      vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
      vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', file);
      vi.stubEnv('AWS_CONFIG_FILE', path.join(folder, 'none'));
      answers.push(json(200, {}));
      const fresh = await import('#functions/adapters/dynamo-client');
      await fresh.documentClient.send(new fresh.GetCommand({ TableName: 't', Key: { pk: 'a' } }));
      expect(seen()[0]?.headers.authorization).toMatch(/Credential=AKIDPROFILE\//);

      vi.resetModules();
      vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(folder, 'none'));
      const bare = await import('#functions/adapters/dynamo-client');
      const error = await failureOf(
        bare.documentClient.send(new bare.GetCommand({ TableName: 't', Key: { pk: 'a' } })),
      );
      expect(error.name).toBe('CredentialsProviderError');
      expect(seen()).toHaveLength(1);
    } finally {
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
      vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', undefined);
      vi.stubEnv('AWS_CONFIG_FILE', undefined);
      rmSync(folder, { recursive: true, force: true });
    }
  }, 15_000);

  it('gives up on a refused connection as a dependency failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    vi.stubEnv(ENV.localAwsEndpoint, `http://127.0.0.1:${port}`);
    try {
      const error = await failureOf(
        documentClient.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })),
      );
      expect(error.code).toBe('ECONNREFUSED');
      expect(isDependencyFailure(error)).toBe(true);
    } finally {
      vi.stubEnv(ENV.localAwsEndpoint, standIn.url);
    }
  });
});

describe('KMS (AWS JSON 1.1)', () => {
  it('sends blobs as base64 and gives bytes back', async () => {
    answers.push(
      json(
        200,
        { KeyId: 'k', Plaintext: Buffer.from('secret key').toString('base64') },
        'application/x-amz-json-1.1',
      ),
    );
    const { result, tally } = await counted(() =>
      kmsClient.send(
        new DecryptCommand({
          KeyId: 'k',
          CiphertextBlob: new Uint8Array([1, 2, 3]),
          EncryptionContext: { accountId: 'a' },
        }),
      ),
    );
    expect(Buffer.from(result.Plaintext as Uint8Array).toString()).toBe('secret key');
    expect(result.KeyId).toBe('k');
    expect(tally).toEqual({ 'KMS:Decrypt': 1 });
    expect(seen()[0]?.headers['x-amz-target']).toBe('TrentService.Decrypt');
    expect(seen()[0]?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(seen()[0]?.headers.authorization).toMatch(signedFor('kms'));
    expect(JSON.parse(seen()[0]?.body ?? '')).toEqual({
      KeyId: 'k',
      CiphertextBlob: 'AQID',
      EncryptionContext: { accountId: 'a' },
    });
  });

  it('sends a MAC’s message as base64 and gives the MAC back as bytes', async () => {
    answers.push(json(200, { Mac: Buffer.alloc(32, 9).toString('base64') }, 'application/x-amz-json-1.1'));
    const { Mac } = await kmsClient.send(
      new GenerateMacCommand({ KeyId: 'k', MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from('label') }),
    );
    expect(Mac).toEqual(new Uint8Array(32).fill(9));
    expect(JSON.parse(seen()[0]?.body ?? '').Message).toBe(Buffer.from('label').toString('base64'));
  });
});

describe('SNS (Query protocol)', () => {
  it('form-encodes a publish with its message attributes, and reads the message id from the XML', async () => {
    answers.push(
      xml(
        200,
        '<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>',
      ),
    );
    const { result, tally } = await counted(() =>
      snsClient.send(
        new PublishCommand({
          TopicArn: 'arn:aws:sns:ap-northeast-1:1:t',
          Subject: 'xID notice receipt: accepted',
          Message: '{"a":"& 日本"}',
          MessageAttributes: { status: { DataType: 'String', StringValue: 'accepted' } },
        }),
      ),
    );
    expect(result.MessageId).toBe('m-1');
    expect(tally).toEqual({ 'SNS:Publish': 1 });
    expect(seen()[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(seen()[0]?.headers.authorization).toMatch(
      /Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-1\/sns\/aws4_request/,
    );
    expect(Object.fromEntries(new URLSearchParams(seen()[0]?.body))).toEqual({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: 'arn:aws:sns:ap-northeast-1:1:t',
      Subject: 'xID notice receipt: accepted',
      Message: '{"a":"& 日本"}',
      'MessageAttributes.entry.1.Name': 'status',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'accepted',
    });
  });

  it('encodes maps as entries and lists as members, leaving absent values out and bytes as base64', () => {
    expect(
      queryParameters({
        Names: ['a', 'b'],
        Attributes: { Enabled: 'true', Token: undefined },
        MessageAttributes: { blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2]) } },
      }),
    ).toEqual([
      ['Names.member.1', 'a'],
      ['Names.member.2', 'b'],
      ['Attributes.entry.1.key', 'Enabled'],
      ['Attributes.entry.1.value', 'true'],
      ['MessageAttributes.entry.1.Name', 'blob'],
      ['MessageAttributes.entry.1.Value.DataType', 'Binary'],
      ['MessageAttributes.entry.1.Value.BinaryValue', 'AQI='],
    ]);
    expect(
      queryParameters({
        Name: 'n',
        Attributes: { KmsMasterKeyId: 'k' },
        Tags: [{ Key: 'municipality', Value: '131091' }],
      }),
    ).toEqual([
      ['Name', 'n'],
      ['Attributes.entry.1.key', 'KmsMasterKeyId'],
      ['Attributes.entry.1.value', 'k'],
      ['Tags.member.1.Key', 'municipality'],
      ['Tags.member.1.Value', '131091'],
    ]);
  });

  it('reads an endpoint’s attributes, with XML entities decoded', async () => {
    answers.push(
      xml(
        200,
        '<GetEndpointAttributesResponse><GetEndpointAttributesResult><Attributes><entry><key>Enabled</key><value>true</value></entry><entry><key>CustomUserData</key><value>a&amp;b&#x3C;</value></entry></Attributes></GetEndpointAttributesResult></GetEndpointAttributesResponse>',
      ),
    );
    const { Attributes } = await snsClient.send(new GetEndpointAttributesCommand({ EndpointArn: 'e' }));
    expect(Attributes).toEqual({ Enabled: 'true', CustomUserData: 'a&b<' });
  });

  it('names errors as the SDK does, with SNS’s message', async () => {
    answers.push(
      xml(
        400,
        '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: Token Reason: Endpoint arn:aws:sns:ap-northeast-1:1:endpoint/APNS/app/e already exists with the same Token, but different attributes.</Message></Error><RequestId>r</RequestId></ErrorResponse>',
      ),
    );
    const error = await failureOf(
      snsClient.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: 'a', Token: 't' })),
    );
    expect(error.name).toBe('InvalidParameterException');
    expect(isSnsError(error, 'InvalidParameter')).toBe(true);
    expect(error.message).toContain('already exists with the same Token');
    expect(seen()).toHaveLength(1);
  });

  it('keeps the name of a code SNS does not model, and takes a 404 without a code for NotFound', async () => {
    answers.push(
      xml(
        500,
        '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code></Error></ErrorResponse>',
      ),
      xml(
        500,
        '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code></Error></ErrorResponse>',
      ),
      (_, res) => res.writeHead(404).end(),
    );
    const failed = await failureOf(snsClient.send(new PublishCommand({ TargetArn: 'e', Message: 'm' })));
    expect([failed.name, failed.$fault]).toEqual(['InternalFailure', 'server']);
    const gone = await failureOf(snsClient.send(new PublishCommand({ TargetArn: 'e', Message: 'm' })));
    expect(gone.name).toBe('NotFoundException');
    expect(isSnsError(gone, 'NotFound')).toBe(true);
  });

  it('takes SNS throttling for throttling', async () => {
    const throttled = xml(
      400,
      '<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>',
    );
    answers.push(throttled, throttled);
    const error = await failureOf(snsClient.send(new PublishCommand({ TargetArn: 'e', Message: 'm' })));
    expect(isThrottling(error)).toBe(true);
    expect(seen()).toHaveLength(2);
  });
});
