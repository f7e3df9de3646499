/**
 * ISO 7816-4 short APDUs: parsing commands on the card's side and building them on the phone's side.
 */
export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data (Lc bytes); empty for cases 1 and 2. */
  data: Buffer;
  /** Expected response length; 256 for Le = 00; undefined when absent (cases 1 and 3). */
  le?: number;
}

/** Status words the JPKI applet answers with (jpki.md §1.8). */
export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  LOGICAL_CHANNEL_NOT_SUPPORTED: 0x6881,
  SECURE_MESSAGING_NOT_SUPPORTED: 0x6882,
  SECURITY_STATUS_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  REFERENCE_DATA_BLOCKED: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  COMMAND_NOT_ALLOWED: 0x6986,
  SM_DATA_INCORRECT: 0x69fc,
  FILE_NOT_FOUND: 0x6a82,
  INCORRECT_P1P2: 0x6a86,
  OFFSET_OUT_OF_RANGE: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
} as const;

/** `63Cx`: a failed VERIFY, or the answer to the empty VERIFY, with x tries left. */
export const triesLeftSw = (tries: number) => 0x63c0 | (tries & 0x0f);

export class MalformedApdu extends Error {
  override name = 'MalformedApdu';
}

/** Parses a short command APDU (cases 1–4). Extended lengths are not part of the JPKI flow. */
export function parseCommand(bytes: Uint8Array): CommandApdu {
  const b = Buffer.from(bytes);
  if (b.length < 4) throw new MalformedApdu('an APDU has at least four bytes');
  const [cla, ins, p1, p2] = [b[0], b[1], b[2], b[3]] as [number, number, number, number];
  if (b.length === 4) return { cla, ins, p1, p2, data: Buffer.alloc(0) };
  const first = b[4] as number;
  if (b.length === 5) return { cla, ins, p1, p2, data: Buffer.alloc(0), le: first === 0 ? 256 : first };
  if (first === 0) throw new MalformedApdu('extended-length APDUs are not supported');
  const data = b.subarray(5, 5 + first);
  if (b.length === 5 + first) return { cla, ins, p1, p2, data: Buffer.from(data) };
  if (b.length === 6 + first) {
    const le = b[5 + first] as number;
    return { cla, ins, p1, p2, data: Buffer.from(data), le: le === 0 ? 256 : le };
  }
  throw new MalformedApdu('Lc does not match the length of the command');
}

/** Builds a short command APDU; `le` 256 is sent as 00. */
export function command(
  cla: number,
  ins: number,
  p1: number,
  p2: number,
  data?: Uint8Array,
  le?: number,
): Buffer {
  const parts = [Buffer.from([cla, ins, p1, p2])];
  if (data && data.length > 0) {
    if (data.length > 255) throw new RangeError('short APDUs carry at most 255 bytes');
    parts.push(Buffer.from([data.length]), Buffer.from(data));
  }
  if (le !== undefined) parts.push(Buffer.from([le >= 256 ? 0 : le]));
  return Buffer.concat(parts);
}

/** Response bytes: data followed by SW1 SW2. */
export function response(sw: number, data?: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(data ?? []), Buffer.from([sw >> 8, sw & 0xff])]);
}

/** Splits a response into its data and status word. */
export function splitResponse(bytes: Uint8Array): { data: Buffer; sw: number } {
  const b = Buffer.from(bytes);
  if (b.length < 2) throw new MalformedApdu('a response has at least two bytes');
  return {
    data: b.subarray(0, b.length - 2),
    sw: ((b[b.length - 2] as number) << 8) | (b[b.length - 1] as number),
  };
}

export const hex = (sw: number) => sw.toString(16).toUpperCase().padStart(4, '0');
