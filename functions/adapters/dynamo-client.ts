import { randomUUID } from 'node:crypto';
import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  DeleteCommandInput,
  DeleteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  ScanCommandInput,
  ScanCommandOutput,
  TransactWriteCommandInput,
  TransactWriteCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type AwsService, awsJson, callAws } from './aws-http.ts';

/**
 * DynamoDB for the request paths, as the document client (`@aws-sdk/lib-dynamodb`) offers it: the same
 * command names and the same plain-object inputs and outputs (items as JavaScript values, `undefined`
 * members left out), marshalled with the SDK's own `@aws-sdk/util-dynamodb` and sent over `aws-http.ts`
 * (AWS JSON 1.0). Only the operations the stores use are here. Errors keep DynamoDB's names and fields
 * (`ConditionalCheckFailedException`, `TransactionCanceledException` with its `CancellationReasons`, whose
 * `Item`s stay in DynamoDB's attribute-value form, as the document client leaves them, binaries as bytes).
 */
const JSON_1_0 = awsJson('dynamodb', 'DynamoDB', '1.0', 'DynamoDB_20120810');

type Item = Record<string, unknown>;
type Wire = Record<string, unknown>;
/**
 * Binary attributes travel as base64 in AWS JSON (the SDK's serialiser does the same), and come back as
 * bytes: the one place where an attribute value is not already what JSON carries.
 */
type Convert = (bytes: unknown) => unknown;
function attributeValue(value: Record<string, unknown>, convert: Convert): Record<string, unknown> {
  if ('B' in value) return { B: convert(value.B) };
  if ('BS' in value) return { BS: (value.BS as unknown[]).map(convert) };
  if ('M' in value) return { M: binaries(value.M as Wire, convert) };
  if ('L' in value) return { L: (value.L as Wire[]).map((member) => attributeValue(member, convert)) };
  return value;
}
/** A map of attribute values (an item, a key, expression values) with its binaries converted. */
function binaries(map: Wire, convert: Convert): Wire {
  return Object.fromEntries(
    Object.entries(map).map(([name, value]) => [name, attributeValue(value as Wire, convert)]),
  );
}
const toBase64 = (bytes: unknown) => Buffer.from(bytes as Uint8Array).toString('base64');
const fromBase64 = (text: unknown) => new Uint8Array(Buffer.from(text as string, 'base64'));

const toWire = (item: Item) =>
  binaries(marshall(item, { removeUndefinedValues: true }) as Wire, toBase64) as Wire;
const fromWire = (item: unknown) =>
  unmarshall(binaries(item as Wire, fromBase64) as Parameters<typeof unmarshall>[0]);

/**
 * DynamoDB's errors as the SDK gives them: the items a refused condition returns (`Item`, and each
 * cancellation reason's `Item`) stay in attribute-value form, with their binaries as bytes.
 */
const DYNAMODB: AwsService = {
  ...JSON_1_0,
  error(status, headers, body) {
    const error = JSON_1_0.error(status, headers, body) as Error & {
      Item?: Wire;
      CancellationReasons?: { Item?: Wire }[];
    };
    if (error.Item) error.Item = binaries(error.Item, fromBase64);
    for (const reason of error.CancellationReasons ?? [])
      if (reason.Item) reason.Item = binaries(reason.Item, fromBase64);
    return error as ReturnType<AwsService['error']>;
  },
};

/** The members of an input or output that hold items (or keys, or expression values), and how each is held. */
type Shape = Record<string, 'item' | 'items' | 'map'>;
const ITEM_MEMBERS: Shape = {
  Item: 'item',
  Key: 'item',
  ExpressionAttributeValues: 'item',
  ExclusiveStartKey: 'item',
  Attributes: 'item',
  LastEvaluatedKey: 'item',
  Items: 'items',
};

function convert(value: Wire, shape: Shape, one: (item: Item) => unknown): Wire {
  const out: Wire = {};
  for (const [name, member] of Object.entries(value)) {
    if (member === undefined) continue;
    const kind = shape[name];
    out[name] =
      kind === 'item' ? one(member as Item) : kind === 'items' ? (member as Item[]).map(one) : member;
  }
  return out;
}

/** A document-client command: an action, its input, and how the input and the answer are translated. */
export interface DocumentCommand<I, O> {
  readonly action: string;
  readonly input: I;
  toWire(input: I): Wire;
  fromWire(answer: Wire): O;
}

/** A command whose items sit only in the top-level members (`Key`, `Item`, `Items` …). */
function plain<I extends object, O>(action: string) {
  return class implements DocumentCommand<I, O> {
    readonly action = action;
    constructor(readonly input: I) {}
    toWire(input: I): Wire {
      return convert(input as Wire, ITEM_MEMBERS, toWire);
    }
    fromWire(answer: Wire): O {
      return convert(answer, ITEM_MEMBERS, fromWire) as O;
    }
  };
}

export const GetCommand = plain<GetCommandInput, GetCommandOutput>('GetItem');
export const PutCommand = plain<PutCommandInput, PutCommandOutput>('PutItem');
export const UpdateCommand = plain<UpdateCommandInput, UpdateCommandOutput>('UpdateItem');
export const DeleteCommand = plain<DeleteCommandInput, DeleteCommandOutput>('DeleteItem');
export const QueryCommand = plain<QueryCommandInput, QueryCommandOutput>('Query');
export const ScanCommand = plain<ScanCommandInput, ScanCommandOutput>('Scan');

/** `TransactWriteItems`: each item's `Put`/`Update`/`Delete`/`ConditionCheck` holds items and keys. */
export class TransactWriteCommand
  implements DocumentCommand<TransactWriteCommandInput, TransactWriteCommandOutput>
{
  readonly action = 'TransactWriteItems';
  constructor(readonly input: TransactWriteCommandInput) {}
  toWire(input: TransactWriteCommandInput): Wire {
    return {
      ...input,
      // As the SDK does: the transport's second attempt of a transaction the first attempt already
      // committed is then answered as that success, instead of failing on its own conditions.
      ClientRequestToken: input.ClientRequestToken ?? randomUUID(),
      TransactItems: (input.TransactItems ?? []).map((item) =>
        Object.fromEntries(
          Object.entries(item)
            .filter(([, operation]) => operation !== undefined)
            .map(([kind, operation]) => [kind, convert(operation as Wire, ITEM_MEMBERS, toWire)]),
        ),
      ),
    };
  }
  fromWire(answer: Wire): TransactWriteCommandOutput {
    return answer as TransactWriteCommandOutput;
  }
}

/** `BatchGetItem`: keys by table in, items by table out, and the keys left over (as they went in). */
export class BatchGetCommand implements DocumentCommand<BatchGetCommandInput, BatchGetCommandOutput> {
  readonly action = 'BatchGetItem';
  constructor(readonly input: BatchGetCommandInput) {}
  toWire(input: BatchGetCommandInput): Wire {
    return { ...input, RequestItems: keysByTable(input.RequestItems as Wire | undefined, toWire) };
  }
  fromWire(answer: Wire): BatchGetCommandOutput {
    const responses = (answer.Responses ?? {}) as Record<string, Item[]>;
    return {
      ...answer,
      Responses: Object.fromEntries(
        Object.entries(responses).map(([table, items]) => [table, items.map(fromWire)]),
      ),
      UnprocessedKeys: keysByTable(answer.UnprocessedKeys as Wire | undefined, fromWire),
    } as BatchGetCommandOutput;
  }
}

function keysByTable(requests: Wire | undefined, one: (item: Item) => unknown): Wire | undefined {
  if (!requests) return undefined;
  return Object.fromEntries(
    Object.entries(requests).map(([table, request]) => {
      const { Keys, ...rest } = request as { Keys?: Item[] };
      return [table, { ...rest, ...(Keys ? { Keys: Keys.map(one) } : {}) }];
    }),
  );
}

/** The document client of the request paths: `send(new GetCommand({...}))`, as with the SDK's. */
export const documentClient = {
  async send<I, O>(command: DocumentCommand<I, O>): Promise<O> {
    const body = await callAws(DYNAMODB, command.action, command.toWire(command.input));
    return command.fromWire(body ? (JSON.parse(body) as Wire) : {});
  },
};

/**
 * Every item a query (or, with `scan`, a scan) finds, its pages followed to the end (`LastEvaluatedKey`):
 * for the few reads that must see all, each of a small partition or of a filtered listing.
 */
export async function everyItem<T = Item>(
  input: QueryCommandInput | ScanCommandInput,
  scan = false,
): Promise<T[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await documentClient.send(
      scan
        ? new ScanCommand({ ...(input as ScanCommandInput), ExclusiveStartKey })
        : new QueryCommand({ ...(input as QueryCommandInput), ExclusiveStartKey }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items as T[];
}

export type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
