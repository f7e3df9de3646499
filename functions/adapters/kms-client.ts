import type {
  DecryptCommandInput,
  DecryptCommandOutput,
  EncryptCommandInput,
  EncryptCommandOutput,
  GenerateDataKeyCommandInput,
  GenerateDataKeyCommandOutput,
  GenerateMacCommandInput,
  GenerateMacCommandOutput,
} from '@aws-sdk/client-kms';
import { awsJson, callAws } from './aws-http.ts';

/**
 * KMS for the request paths (AWS JSON 1.1 over `aws-http.ts`), with the SDK's command names, inputs and
 * outputs: the four operations the functions make (`GenerateDataKey` and `Decrypt` for the envelope,
 * `Encrypt`/`Decrypt` for the wrapped token keys, `GenerateMac` for the challenge key and pairwise
 * subjects). Blobs (`CiphertextBlob`, `Plaintext`, `Message`, `Mac`) are bytes in the program and base64
 * on the wire, as the SDK's serialiser has them.
 */
const KMS = awsJson('kms', 'KMS', '1.1', 'TrentService');
const BLOBS = new Set(['CiphertextBlob', 'Plaintext', 'Message', 'Mac']);

type Wire = Record<string, unknown>;
const mapBlobs = (value: Wire, convert: (blob: unknown) => unknown): Wire =>
  Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .map(([name, member]) => [name, BLOBS.has(name) ? convert(member) : member]),
  );

/** A KMS command: an action and its input (blobs as bytes); its output has blobs as bytes too. */
export interface KmsCommand<I, O> {
  readonly action: string;
  readonly input: I;
  /** The output's type only (never set). */
  readonly output?: O;
}

function command<I extends object, O>(action: string) {
  return class implements KmsCommand<I, O> {
    readonly action = action;
    declare readonly output?: O;
    constructor(readonly input: I) {}
  };
}

export const DecryptCommand = command<DecryptCommandInput, DecryptCommandOutput>('Decrypt');
export const EncryptCommand = command<EncryptCommandInput, EncryptCommandOutput>('Encrypt');
export const GenerateDataKeyCommand = command<GenerateDataKeyCommandInput, GenerateDataKeyCommandOutput>(
  'GenerateDataKey',
);
export const GenerateMacCommand = command<GenerateMacCommandInput, GenerateMacCommandOutput>('GenerateMac');

/** The KMS client of the request paths: `send(new DecryptCommand({...}))`, as with the SDK's. */
export const kmsClient = {
  async send<I, O>(command: KmsCommand<I, O>): Promise<O> {
    const body = await callAws(
      KMS,
      command.action,
      mapBlobs(command.input as Wire, (blob) => Buffer.from(blob as Uint8Array).toString('base64')),
    );
    return mapBlobs(body ? (JSON.parse(body) as Wire) : {}, (text) =>
      typeof text === 'string' ? new Uint8Array(Buffer.from(text, 'base64')) : text,
    ) as O;
  },
};
