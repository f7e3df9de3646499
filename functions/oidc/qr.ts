/**
 * A small QR Code encoder (ISO/IEC 18004) for the request page: byte mode, error correction level M,
 * versions 1–10 (up to 213 bytes, far more than a user-code link needs), the mask chosen by the standard's
 * penalty rules, drawn as an SVG path on the server so that the page needs no script or image for it.
 */
export class QrError extends Error {
  override name = 'QrError';
}

/** Level M per version: error-correction codewords per block, and the blocks' data codewords. */
const LEVEL_M: readonly { ecPerBlock: number; blocks: readonly number[] }[] = [
  { ecPerBlock: 10, blocks: [16] },
  { ecPerBlock: 16, blocks: [28] },
  { ecPerBlock: 26, blocks: [44] },
  { ecPerBlock: 18, blocks: [32, 32] },
  { ecPerBlock: 24, blocks: [43, 43] },
  { ecPerBlock: 16, blocks: [27, 27, 27, 27] },
  { ecPerBlock: 18, blocks: [31, 31, 31, 31] },
  { ecPerBlock: 22, blocks: [38, 38, 39, 39] },
  { ecPerBlock: 22, blocks: [36, 36, 36, 37, 37] },
  { ecPerBlock: 26, blocks: [43, 43, 43, 43, 44] },
];
const ALIGNMENT: readonly (readonly number[])[] = [
  [],
  [6, 18],
  [6, 22],
  [6, 26],
  [6, 30],
  [6, 34],
  [6, 22, 38],
  [6, 24, 42],
  [6, 26, 46],
  [6, 28, 50],
];
export const MAX_VERSION = LEVEL_M.length;

// GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255] as number;
}
const mul = (a: number, b: number) =>
  a === 0 || b === 0 ? 0 : (EXP[(LOG[a] as number) + (LOG[b] as number)] as number);

/** Reed–Solomon error-correction codewords of one block (generator ∏(x − α^i), i < degree). */
export function reedSolomon(data: readonly number[], degree: number): number[] {
  let generator = [1];
  for (let i = 0; i < degree; i++) {
    const next = new Array<number>(generator.length + 1).fill(0);
    generator.forEach((g, j) => {
      next[j] = (next[j] as number) ^ g;
      next[j + 1] = (next[j + 1] as number) ^ mul(g, EXP[i] as number);
    });
    generator = next;
  }
  const remainder = new Array<number>(degree).fill(0);
  for (const byte of data) {
    const factor = byte ^ (remainder.shift() as number);
    remainder.push(0);
    for (let j = 0; j < degree; j++)
      remainder[j] = (remainder[j] as number) ^ mul(generator[j + 1] as number, factor);
  }
  return remainder;
}

/** The codewords of a version: mode, count, data, terminator, padding; then the blocks interleaved. */
function codewords(data: Uint8Array, version: number): number[] {
  const { ecPerBlock, blocks } = LEVEL_M[version - 1] as (typeof LEVEL_M)[number];
  const capacityBits = blocks.reduce((a, b) => a + b, 0) * 8;
  const bits: number[] = [];
  const put = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(0b0100, 4);
  put(data.length, version < 10 ? 8 : 16);
  for (const byte of data) put(byte, 8);
  put(0, Math.min(4, capacityBits - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  const bytes: number[] = [];
  for (let i = 0; i < bits.length; i += 8) bytes.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
  for (let pad = 0; bytes.length < capacityBits / 8; pad++) bytes.push(pad % 2 === 0 ? 0xec : 0x11);
  const dataBlocks: number[][] = [];
  let offset = 0;
  for (const size of blocks) {
    dataBlocks.push(bytes.slice(offset, offset + size));
    offset += size;
  }
  const ecBlocks = dataBlocks.map((block) => reedSolomon(block, ecPerBlock));
  const out: number[] = [];
  const longest = Math.max(...blocks);
  for (let i = 0; i < longest; i++)
    for (const block of dataBlocks) if (i < block.length) out.push(block[i] as number);
  for (let i = 0; i < ecPerBlock; i++) for (const block of ecBlocks) out.push(block[i] as number);
  return out;
}

/** The smallest version whose level-M capacity holds the bytes. */
export function versionFor(length: number): number {
  for (let version = 1; version <= MAX_VERSION; version++) {
    const capacity = (LEVEL_M[version - 1] as (typeof LEVEL_M)[number]).blocks.reduce((a, b) => a + b, 0) * 8;
    if (4 + (version < 10 ? 8 : 16) + length * 8 <= capacity) return version;
  }
  throw new QrError(`${length} bytes do not fit in a version ${MAX_VERSION} QR code`);
}

const MASKS: readonly ((x: number, y: number) => boolean)[] = [
  (x, y) => (x + y) % 2 === 0,
  (_, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

/** A QR symbol: `modules[y][x]` is true for a dark module. */
export interface QrSymbol {
  version: number;
  mask: number;
  size: number;
  modules: boolean[][];
}

class Matrix {
  readonly modules: boolean[][];
  readonly reserved: boolean[][];

  constructor(readonly size: number) {
    this.modules = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    this.reserved = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }

  fixed(x: number, y: number, dark: boolean): void {
    (this.modules[y] as boolean[])[x] = dark;
    (this.reserved[y] as boolean[])[x] = true;
  }
}

function drawFunctionPatterns(m: Matrix, version: number): void {
  const { size } = m;
  for (let i = 0; i < size; i++) {
    m.fixed(6, i, i % 2 === 0);
    m.fixed(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [
    [3, 3],
    [size - 4, 3],
    [3, size - 4],
  ] as const) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || y < 0 || x >= size || y >= size) continue;
        const ring = Math.max(Math.abs(dx), Math.abs(dy));
        m.fixed(x, y, ring !== 2 && ring !== 4);
      }
    }
  }
  const positions = ALIGNMENT[version - 1] as readonly number[];
  for (const cx of positions) {
    for (const cy of positions) {
      const onFinder =
        (cx === 6 && cy === 6) || (cx === 6 && cy === size - 7) || (cx === size - 7 && cy === 6);
      if (onFinder) continue;
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++)
          m.fixed(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
    }
  }
  drawFormat(m, 0);
  if (version >= 7) {
    let remainder = version;
    for (let i = 0; i < 12; i++) remainder = (remainder << 1) ^ ((remainder >>> 11) * 0x1f25);
    const bits = (version << 12) | remainder;
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      m.fixed(a, b, dark);
      m.fixed(b, a, dark);
    }
  }
}

/** The 15 format bits (level M, the mask) in both copies, and the dark module beside the lower finder. */
function drawFormat(m: Matrix, mask: number): void {
  const data = (0b00 << 3) | mask;
  let remainder = data;
  for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >>> 9) * 0x537);
  const bits = ((data << 10) | remainder) ^ 0x5412;
  const bit = (i: number) => ((bits >>> i) & 1) === 1;
  const { size } = m;
  for (let i = 0; i <= 5; i++) m.fixed(8, i, bit(i));
  m.fixed(8, 7, bit(6));
  m.fixed(8, 8, bit(7));
  m.fixed(7, 8, bit(8));
  for (let i = 9; i < 15; i++) m.fixed(14 - i, 8, bit(i));
  for (let i = 0; i < 8; i++) m.fixed(size - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) m.fixed(8, size - 15 + i, bit(i));
  m.fixed(8, size - 8, true);
}

/** The codewords in the standard's zigzag; the remainder bits (versions 2–6) stay light. */
function placeData(m: Matrix, words: readonly number[]): void {
  const { size } = m;
  const total = words.length * 8;
  let i = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const upward = ((right + 1) & 2) === 0;
    for (let step = 0; step < size; step++) {
      const y = upward ? size - 1 - step : step;
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        if ((m.reserved[y] as boolean[])[x] || i >= total) continue;
        (m.modules[y] as boolean[])[x] = (((words[i >>> 3] as number) >>> (7 - (i & 7))) & 1) === 1;
        i++;
      }
    }
  }
}

function applyMask(m: Matrix, mask: number): void {
  const test = MASKS[mask] as (x: number, y: number) => boolean;
  for (let y = 0; y < m.size; y++) {
    const row = m.modules[y] as boolean[];
    const reserved = m.reserved[y] as boolean[];
    for (let x = 0; x < m.size; x++) if (!reserved[x] && test(x, y)) row[x] = !row[x];
  }
}

/** The standard's four penalty rules (ISO/IEC 18004 §7.8.3): lower is easier to read. */
export function penalty(modules: readonly (readonly boolean[])[]): number {
  const size = modules.length;
  const at = (x: number, y: number) => (modules[y] as readonly boolean[])[x] as boolean;
  let score = 0;
  for (const line of [(i: number, j: number) => at(j, i), (i: number, j: number) => at(i, j)]) {
    for (let i = 0; i < size; i++) {
      let run = 1;
      for (let j = 1; j <= size; j++) {
        if (j < size && line(i, j) === line(i, j - 1)) run++;
        else {
          if (run >= 5) score += 3 + (run - 5);
          run = 1;
        }
      }
      for (let j = 0; j + 11 <= size; j++) {
        let word = 0;
        for (let k = 0; k < 11; k++) word = (word << 1) | (line(i, j + k) ? 1 : 0);
        if (word === 0b10111010000 || word === 0b00001011101) score += 40;
      }
    }
  }
  for (let y = 0; y + 1 < size; y++) {
    for (let x = 0; x + 1 < size; x++) {
      const c = at(x, y);
      if (c === at(x + 1, y) && c === at(x, y + 1) && c === at(x + 1, y + 1)) score += 3;
    }
  }
  const dark = modules.reduce((sum, row) => sum + row.filter(Boolean).length, 0);
  score += 10 * Math.floor(Math.abs((dark * 100) / (size * size) - 50) / 5);
  return score;
}

/** Encodes text (UTF-8 bytes) as the smallest level-M symbol; the mask is forced or chosen by penalty. */
export function encodeQr(text: string, options: { version?: number; mask?: number } = {}): QrSymbol {
  const data = new TextEncoder().encode(text);
  const version = options.version ?? versionFor(data.length);
  if (version < versionFor(data.length) || version > MAX_VERSION)
    throw new QrError(`version ${version} cannot hold ${data.length} bytes`);
  const words = codewords(data, version);
  const build = (mask: number) => {
    const m = new Matrix(17 + 4 * version);
    drawFunctionPatterns(m, version);
    placeData(m, words);
    applyMask(m, mask);
    drawFormat(m, mask);
    return m;
  };
  let best: { mask: number; matrix: Matrix } | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const mask of options.mask === undefined ? [0, 1, 2, 3, 4, 5, 6, 7] : [options.mask]) {
    const matrix = build(mask);
    const score = options.mask === undefined ? penalty(matrix.modules) : 0;
    if (score < bestScore) {
      bestScore = score;
      best = { mask, matrix };
    }
  }
  const chosen = best as { mask: number; matrix: Matrix };
  return { version, mask: chosen.mask, size: chosen.matrix.size, modules: chosen.matrix.modules };
}

/** The symbol as an SVG image: one path of unit squares, a 4-module quiet zone, crisp edges. */
export function qrSvg(text: string, options: { pixels?: number; title?: string } = {}): string {
  const symbol = encodeQr(text);
  const quiet = 4;
  const extent = symbol.size + 2 * quiet;
  let path = '';
  symbol.modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) path += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    });
  });
  const pixels = options.pixels ?? 200;
  const title = options.title ? `<title>${escapeXml(options.title)}</title>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${extent} ${extent}" width="${pixels}" height="${pixels}" shape-rendering="crispEdges" role="img">${title}<rect width="${extent}" height="${extent}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
