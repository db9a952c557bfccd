// Starknet Poseidon: the Hades permutation (width 3, x^3 S-box, 8 full + 83 partial rounds,
// MDS [[3,1,1],[1,-1,1],[1,1,-2]]) over p = 2^251 + 17·2^192 + 1, and the sponge used by
// poseidonHashMany. Compiled with AssemblyScript (runtime "stub": nothing is ever allocated).
//
// Representation. A field element is 9 little-endian limbs of 29 bits, each held in an i64
// slot (72 bytes). 29-bit limbs leave headroom: a limb product is below 2^59, so the
// multipliers add up all partial products of a column in 64 bits without carry handling, and
// the MDS works limb by limb with one carry pass at the end. Limbs are signed: a few may be
// slightly negative after a reduction (see finish()); every value is non-negative.
// Values stay in Montgomery form (x·R mod p, R = 2^261) for the whole permutation and are only
// partially reduced (below 2p); the canonical value is produced once, on the way out.
//
// p is sparse in this radix: its only non-zero limbs are limb 0 = 1, limb 6 = 17·2^18 and
// limb 8 = 2^19. Hence -p^-1 ≡ -1 (mod 2^29), and each Montgomery digit costs one small product
// and a shift instead of nine limb products.
//
// Interface with JavaScript: values cross the boundary as 4 little-endian u64 words (32 bytes)
// in the I/O area at io(). The round constants are not baked in: the loader derives them from
// @scure/starknet, converts them to Montgomery form and hands them over via loadConstants().

const MASK: i64 = 0x1fffffff; // 2^29 - 1
const P6: i64 = 17 << 18; // limb 6 of p
const P8: i64 = 1 << 19; // limb 8 of p (limb 0 is 1, limbs 1-5 and 7 are 0)
const FELT: usize = 72; // bytes per element: 9 limbs × 8 bytes
const ROW: usize = 3 * FELT; // one round's three constants

const FULL_ROUNDS_HALF = 4;
const PARTIAL_ROUNDS = 83;
const ROUNDS = 91; // 2·4 + 83
const CONSTANT_COUNT = 2 + 3 * ROUNDS; // R^2 mod p, R mod p, then 3 per round

// Constants: R^2 mod p, R mod p, ROUNDS rows of round constants, one row of offsets only.
// Size = (2 + 3·(ROUNDS + 1))·FELT = 278·72.
const CONSTS: usize = memory.data(20016, 16);
const R2: usize = CONSTS; // multiplying by R^2 enters Montgomery form
const RM: usize = CONSTS + FELT; // R mod p: the number 1 in Montgomery form (sponge padding)
const RC: usize = CONSTS + 2 * FELT;
const ONE: usize = memory.data<i64>([1, 0, 0, 0, 0, 0, 0, 0, 0], 16); // multiplying by 1 leaves Montgomery form

const STATE: usize = memory.data(216, 16);
const S0: usize = STATE;
const S1: usize = STATE + FELT;
const S2: usize = STATE + 2 * FELT;
const TMP: usize = memory.data(72, 16);

// Everything above the static data is free (nothing is allocated); JS grows memory as needed.
const IO: usize = (__heap_base + 15) & ~(<usize>15);

/** Start of the I/O area: value i occupies bytes [io() + 32i, io() + 32i + 32). */
export function io(): usize {
  return IO;
}

/** Number of 4-word values loadConstants() expects. */
export function constantCount(): i32 {
  return CONSTANT_COUNT;
}

/**
 * Copies the constants from the I/O area into limb form: R^2 mod p, R mod p, then the round
 * constants (already in Montgomery form), round by round.
 */
export function loadConstants(n: i32): bool {
  if (n != CONSTANT_COUNT) return false;
  for (let i = 0; i < n; i++) unpack(CONSTS + <usize>i * FELT, IO + <usize>i * 32);
  memory.fill(RC + <usize>ROUNDS * ROW, 0, ROW); // row 91: no constants after the last round
  // mix() subtracts up to 2·state[1] and 3·state[2] (each below 2p) and adds these rows:
  // 4p and 6p on top of the constants keep every value non-negative.
  for (let r: usize = 0; r <= <usize>ROUNDS; r++) {
    addMultipleOfP(RC + r * ROW + FELT, 4);
    addMultipleOfP(RC + r * ROW + 2 * FELT, 6);
  }
  return true;
}

/** Permutes the 3 values at io() in place; only the first `outputs` are written back. */
export function permute(outputs: i32): void {
  enter(S0, IO);
  enter(S1, IO + 32);
  enter(S2, IO + 64);
  permuteState();
  if (outputs > 0) leave(IO, S0);
  if (outputs > 1) leave(IO + 32, S1);
  if (outputs > 2) leave(IO + 64, S2);
}

/**
 * poseidonHashMany's sponge over the n values at io(), in one or several calls so that the
 * I/O area stays small: `first` starts from the zero state; pairs are absorbed into
 * state[0..1], each followed by the permutation; `last` pads what is left with 1 and then 0,
 * permutes and writes the digest to io(). n must be even unless `last` is set.
 */
export function hashMany(n: i32, first: bool, last: bool): void {
  if (first) memory.fill(STATE, 0, 3 * FELT);
  let src = IO;
  let left = n;
  for (; left >= 2; left -= 2) {
    absorb(S0, src);
    absorb(S1, src + 32);
    permuteState();
    src += 64;
  }
  if (!last) return;
  if (left == 1) {
    absorb(S0, src);
    add(S1, RM);
  } else {
    add(S0, RM);
  }
  permuteState();
  leave(IO, S0);
}

// ---- permutation ------------------------------------------------------------------------
// Each round is: add constants, S-box, MDS. The constant addition of round r+1 is fused into
// the MDS step of round r (one carry pass for both); row 91 of the table holds only the
// offsets (multiples of p), so the last round needs no special case.
// Invariant between steps: every state value is in [0, 2p) with limbs in (-2^26, 2^29 + 2^23).

function permuteState(): void {
  add(S0, RC);
  add(S1, RC + FELT);
  add(S2, RC + 2 * FELT);
  reduce(S0);
  reduce(S1);
  reduce(S2);
  let rc = RC + ROW;
  for (let r = 0; r < FULL_ROUNDS_HALF; r++, rc += ROW) {
    cube(S0);
    cube(S1);
    cube(S2);
    mix(rc);
  }
  // Starknet applies the partial-round S-box to the last element.
  for (let r = 0; r < PARTIAL_ROUNDS; r++, rc += ROW) {
    cube(S2);
    mix(rc);
  }
  for (let r = 0; r < FULL_ROUNDS_HALF; r++, rc += ROW) {
    cube(S0);
    cube(S1);
    cube(S2);
    mix(rc);
  }
}

/** x <- x^3 (Montgomery form). */
@inline
function cube(x: usize): void {
  sqr(TMP, x);
  mul(x, TMP, x);
}

/**
 * state <- MDS·state + rc, then carried and partially reduced, in one pass over the limbs.
 * MDS [[3,1,1],[1,-1,1],[1,1,-2]] with s = a+b+c: a' = s+2a, b' = s-2b, c' = s-3c. With
 * inputs below 2p and the 4p/6p offsets folded into rc (see loadConstants), every result is
 * in [0, 11p). Limb j of the outputs depends only on limb j of the inputs and the carries,
 * so the state is updated in place.
 */
function mix(rc: usize): void {
  let k0: i64 = 0, k1: i64 = 0, k2: i64 = 0; // carries into the current limb
  let u0: i64 = 0, u1: i64 = 0, u2: i64 = 0;
  for (let j: usize = 0; j < FELT; j += 8) {
    const a = load<i64>(S0 + j);
    const b = load<i64>(S1 + j);
    const c = load<i64>(S2 + j);
    const s = a + b + c;
    u0 = s + (a << 1) + load<i64>(rc + j) + k0;
    u1 = s - (b << 1) + load<i64>(rc + FELT + j) + k1;
    u2 = s - c * 3 + load<i64>(rc + 2 * FELT + j) + k2;
    k0 = u0 >> 29;
    k1 = u1 >> 29;
    k2 = u2 >> 29;
    store<i64>(S0 + j, u0 & MASK);
    store<i64>(S1 + j, u1 & MASK);
    store<i64>(S2 + j, u2 & MASK);
  }
  // u0..u2 now hold the unmasked top limbs.
  finish(S0, u0);
  finish(S1, u1);
  finish(S2, u2);
}

// ---- field arithmetic ---------------------------------------------------------------------

/** Carry-normalises x (any limbs; value in [0, 16p)), then partially reduces it (finish). */
function reduce(x: usize): void {
  let k: i64 = 0;
  for (let j: usize = 0; j < FELT - 8; j += 8) {
    const u = load<i64>(x + j) + k;
    k = u >> 29;
    store<i64>(x + j, u & MASK);
  }
  finish(x, load<i64>(x, 64) + k);
}

/**
 * Partial reduction of x, whose limbs 0-7 are normalised (in [0, 2^29)) and whose top limb,
 * passed unmasked as `top`, is x >> 232 (value in [0, 16p)). With q = ⌊x / 2^251⌋,
 * x - q·p = (x mod 2^251) - q·(17·2^192 + 1) may be negative, so one p is added back:
 * x - (q-1)·p is in (0, 2p). Subtracting (q-1)·p touches only limbs 0, 6 and 8, which leaves
 * limbs 0 and 6 slightly negative at worst (> -2^26, as q ≤ 15).
 */
@inline
function finish(x: usize, top: i64): void {
  const q = top >> 19;
  store<i64>(x, load<i64>(x, 0) + 1 - q, 0);
  store<i64>(x, load<i64>(x, 48) - (q - 1) * P6, 48);
  store<i64>(x, (top & (P8 - 1)) + P8, 64);
}

/**
 * out = a·b·R^-1 mod p: Montgomery multiplication, product scanning (column by column) with
 * the reduction interleaved. Column k holds the limb products a_i·b_j with i + j = k, plus
 * m_(k-6)·p6 and m_(k-8)·p8 from the reduction. Columns 0-8 each fix one Montgomery digit
 * m_k = -column mod 2^29 (p ≡ 1 mod 2^29, so -p^-1 ≡ -1), which zeroes the column's low
 * 29 bits; the carry out of it, ⌈column / 2^29⌉, is computed without waiting for m_k so the
 * dependency chain stays short. Columns 9-16 are the result (the division by R = 2^261).
 * In: a, b in [0, 16p) (or one below p and the other below 2^256), limbs in
 * (-2^29, 2^29 + 2^23). A column is at most 9 products below 2^58.1 plus small terms, far
 * from the i64 limit. Out: limbs in [0, 2^29), value in [0, ab/R + p) ⊂ [0, 2p).
 * out may alias a or b: all limbs are loaded first.
 */
@inline
function mul(out: usize, a: usize, b: usize): void {
  const a0 = load<i64>(a, 0);
  const a1 = load<i64>(a, 8);
  const a2 = load<i64>(a, 16);
  const a3 = load<i64>(a, 24);
  const a4 = load<i64>(a, 32);
  const a5 = load<i64>(a, 40);
  const a6 = load<i64>(a, 48);
  const a7 = load<i64>(a, 56);
  const a8 = load<i64>(a, 64);
  const b0 = load<i64>(b, 0);
  const b1 = load<i64>(b, 8);
  const b2 = load<i64>(b, 16);
  const b3 = load<i64>(b, 24);
  const b4 = load<i64>(b, 32);
  const b5 = load<i64>(b, 40);
  const b6 = load<i64>(b, 48);
  const b7 = load<i64>(b, 56);
  const b8 = load<i64>(b, 64);
  let c: i64 = 0; // carry into the current column
  const s0 = a0 * b0;
  const m0 = (0 - (c + s0)) & MASK;
  c = (c + (s0 + MASK)) >> 29;
  const s1 = a0 * b1 + a1 * b0;
  const m1 = (0 - (c + s1)) & MASK;
  c = (c + (s1 + MASK)) >> 29;
  const s2 = a0 * b2 + a1 * b1 + a2 * b0;
  const m2 = (0 - (c + s2)) & MASK;
  c = (c + (s2 + MASK)) >> 29;
  const s3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  const m3 = (0 - (c + s3)) & MASK;
  c = (c + (s3 + MASK)) >> 29;
  const s4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;
  const m4 = (0 - (c + s4)) & MASK;
  c = (c + (s4 + MASK)) >> 29;
  const s5 = a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0;
  const m5 = (0 - (c + s5)) & MASK;
  c = (c + (s5 + MASK)) >> 29;
  const s6 = a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0 + m0 * P6;
  const m6 = (0 - (c + s6)) & MASK;
  c = (c + (s6 + MASK)) >> 29;
  const s7 = a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0 +
      m1 * P6;
  const m7 = (0 - (c + s7)) & MASK;
  c = (c + (s7 + MASK)) >> 29;
  const s8 = a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 +
      a8 * b0 + m2 * P6 + (m0 << 19);
  const m8 = (0 - (c + s8)) & MASK;
  c = (c + (s8 + MASK)) >> 29;
  c += a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + m3 * P6 +
      (m1 << 19);
  store<i64>(out, c & MASK, 0);
  c >>= 29;
  c += a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + m4 * P6 + (m2 << 19);
  store<i64>(out, c & MASK, 8);
  c >>= 29;
  c += a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + m5 * P6 + (m3 << 19);
  store<i64>(out, c & MASK, 16);
  c >>= 29;
  c += a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + m6 * P6 + (m4 << 19);
  store<i64>(out, c & MASK, 24);
  c >>= 29;
  c += a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + m7 * P6 + (m5 << 19);
  store<i64>(out, c & MASK, 32);
  c >>= 29;
  c += a6 * b8 + a7 * b7 + a8 * b6 + m8 * P6 + (m6 << 19);
  store<i64>(out, c & MASK, 40);
  c >>= 29;
  c += a7 * b8 + a8 * b7 + (m7 << 19);
  store<i64>(out, c & MASK, 48);
  c >>= 29;
  c += a8 * b8 + (m8 << 19);
  store<i64>(out, c & MASK, 56);
  c >>= 29;
  store<i64>(out, c, 64);
}

/**
 * out = a·a·R^-1 mod p: mul() specialised for squaring. Each cross product appears once,
 * against the doubled limb (d = 2a), so a square costs 45 limb products instead of 81.
 * Same bounds as mul(). out may alias a.
 */
@inline
function sqr(out: usize, a: usize): void {
  const a0 = load<i64>(a, 0);
  const a1 = load<i64>(a, 8);
  const a2 = load<i64>(a, 16);
  const a3 = load<i64>(a, 24);
  const a4 = load<i64>(a, 32);
  const a5 = load<i64>(a, 40);
  const a6 = load<i64>(a, 48);
  const a7 = load<i64>(a, 56);
  const a8 = load<i64>(a, 64);
  const d1 = a1 << 1;
  const d2 = a2 << 1;
  const d3 = a3 << 1;
  const d4 = a4 << 1;
  const d5 = a5 << 1;
  const d6 = a6 << 1;
  const d7 = a7 << 1;
  const d8 = a8 << 1;
  let c: i64 = 0; // carry into the current column
  const s0 = a0 * a0;
  const m0 = (0 - (c + s0)) & MASK;
  c = (c + (s0 + MASK)) >> 29;
  const s1 = a0 * d1;
  const m1 = (0 - (c + s1)) & MASK;
  c = (c + (s1 + MASK)) >> 29;
  const s2 = a0 * d2 + a1 * a1;
  const m2 = (0 - (c + s2)) & MASK;
  c = (c + (s2 + MASK)) >> 29;
  const s3 = a0 * d3 + a1 * d2;
  const m3 = (0 - (c + s3)) & MASK;
  c = (c + (s3 + MASK)) >> 29;
  const s4 = a0 * d4 + a1 * d3 + a2 * a2;
  const m4 = (0 - (c + s4)) & MASK;
  c = (c + (s4 + MASK)) >> 29;
  const s5 = a0 * d5 + a1 * d4 + a2 * d3;
  const m5 = (0 - (c + s5)) & MASK;
  c = (c + (s5 + MASK)) >> 29;
  const s6 = a0 * d6 + a1 * d5 + a2 * d4 + a3 * a3 + m0 * P6;
  const m6 = (0 - (c + s6)) & MASK;
  c = (c + (s6 + MASK)) >> 29;
  const s7 = a0 * d7 + a1 * d6 + a2 * d5 + a3 * d4 + m1 * P6;
  const m7 = (0 - (c + s7)) & MASK;
  c = (c + (s7 + MASK)) >> 29;
  const s8 = a0 * d8 + a1 * d7 + a2 * d6 + a3 * d5 + a4 * a4 + m2 * P6 + (m0 << 19);
  const m8 = (0 - (c + s8)) & MASK;
  c = (c + (s8 + MASK)) >> 29;
  c += a1 * d8 + a2 * d7 + a3 * d6 + a4 * d5 + m3 * P6 + (m1 << 19);
  store<i64>(out, c & MASK, 0);
  c >>= 29;
  c += a2 * d8 + a3 * d7 + a4 * d6 + a5 * a5 + m4 * P6 + (m2 << 19);
  store<i64>(out, c & MASK, 8);
  c >>= 29;
  c += a3 * d8 + a4 * d7 + a5 * d6 + m5 * P6 + (m3 << 19);
  store<i64>(out, c & MASK, 16);
  c >>= 29;
  c += a4 * d8 + a5 * d7 + a6 * a6 + m6 * P6 + (m4 << 19);
  store<i64>(out, c & MASK, 24);
  c >>= 29;
  c += a5 * d8 + a6 * d7 + m7 * P6 + (m5 << 19);
  store<i64>(out, c & MASK, 32);
  c >>= 29;
  c += a6 * d8 + a7 * a7 + m8 * P6 + (m6 << 19);
  store<i64>(out, c & MASK, 40);
  c >>= 29;
  c += a7 * d8 + (m7 << 19);
  store<i64>(out, c & MASK, 48);
  c >>= 29;
  c += a8 * a8 + (m8 << 19);
  store<i64>(out, c & MASK, 56);
  c >>= 29;
  store<i64>(out, c, 64);
}


/** x += y, limb by limb (no carries). */
@inline
function add(x: usize, y: usize): void {
  for (let j: usize = 0; j < FELT; j += 8) store<i64>(x + j, load<i64>(x + j) + load<i64>(y + j));
}

/** x += k·p (k small): p's three non-zero limbs, scaled. */
function addMultipleOfP(x: usize, k: i64): void {
  store<i64>(x, load<i64>(x, 0) + k, 0);
  store<i64>(x, load<i64>(x, 48) + k * P6, 48);
  store<i64>(x, load<i64>(x, 64) + k * P8, 64);
}

// ---- conversions ---------------------------------------------------------------------------

/** Limbs of the 256-bit little-endian number at src (4 u64 words) -> dst. */
function unpack(dst: usize, src: usize): void {
  const w0 = load<u64>(src, 0);
  const w1 = load<u64>(src, 8);
  const w2 = load<u64>(src, 16);
  const w3 = load<u64>(src, 24);
  const mask = <u64>MASK;
  store<u64>(dst, w0 & mask, 0);
  store<u64>(dst, (w0 >> 29) & mask, 8);
  store<u64>(dst, (w0 >> 58) | ((w1 << 6) & mask), 16);
  store<u64>(dst, (w1 >> 23) & mask, 24);
  store<u64>(dst, (w1 >> 52) | ((w2 << 12) & mask), 32);
  store<u64>(dst, (w2 >> 17) & mask, 40);
  store<u64>(dst, (w2 >> 46) | ((w3 << 18) & mask), 48);
  store<u64>(dst, (w3 >> 11) & mask, 56);
  store<u64>(dst, w3 >> 40, 64);
}

/** dst = Montgomery form of the number at src (which must be below 2^256). */
function enter(dst: usize, src: usize): void {
  unpack(TMP, src);
  mul(dst, TMP, R2);
}

/** dst += Montgomery form of the number at src. */
function absorb(dst: usize, src: usize): void {
  enter(TMP, src);
  add(dst, TMP);
}

/** Writes the canonical value (in [0, p)) of the Montgomery-form element x to dst as 4 words. */
function leave(dst: usize, x: usize): void {
  mul(TMP, x, ONE); // x·R^-1: the plain value, in [0, p] since x < 2p < R
  let t0 = load<i64>(TMP, 0);
  let t1 = load<i64>(TMP, 8);
  let t2 = load<i64>(TMP, 16);
  let t3 = load<i64>(TMP, 24);
  let t4 = load<i64>(TMP, 32);
  let t5 = load<i64>(TMP, 40);
  let t6 = load<i64>(TMP, 48);
  let t7 = load<i64>(TMP, 56);
  let t8 = load<i64>(TMP, 64);
  // Subtract p with borrows; keep the difference if it is non-negative.
  const d0 = t0 - 1;
  const d1 = t1 + (d0 >> 29);
  const d2 = t2 + (d1 >> 29);
  const d3 = t3 + (d2 >> 29);
  const d4 = t4 + (d3 >> 29);
  const d5 = t5 + (d4 >> 29);
  const d6 = t6 - P6 + (d5 >> 29);
  const d7 = t7 + (d6 >> 29);
  const d8 = t8 - P8 + (d7 >> 29);
  if (d8 >= 0) {
    t0 = d0 & MASK;
    t1 = d1 & MASK;
    t2 = d2 & MASK;
    t3 = d3 & MASK;
    t4 = d4 & MASK;
    t5 = d5 & MASK;
    t6 = d6 & MASK;
    t7 = d7 & MASK;
    t8 = d8;
  }
  store<i64>(dst, t0 | (t1 << 29) | (t2 << 58), 0);
  store<i64>(dst, (t2 >> 6) | (t3 << 23) | (t4 << 52), 8);
  store<i64>(dst, (t4 >> 12) | (t5 << 17) | (t6 << 46), 16);
  store<i64>(dst, (t6 >> 18) | (t7 << 11) | (t8 << 40), 24);
}
