/**
 * CPace (CPACE-RISTR255-SHA512) against the published test vectors of draft-irtf-cfrg-cpace-21
 * (23 April 2026): Appendix A (string utilities) and Appendix B.3 (ristretto255 with SHA-512),
 * transcribed from the draft's text in github.com/cfrg/draft-irtf-cfrg-cpace
 * (draft-irtf-cfrg-cpace-21/draft-irtf-cfrg-cpace.txt). Then full runs, key confirmation
 * (§10.4, which publishes no vectors) and every bad input.
 */
import { ristretto255 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { thrownName } from '../support/thrown.ts';
import { lvCat } from '../../src/p2p/bytes.ts';
import {
  CPACE_DSI,
  CPACE_SUITE,
  GROUP_SIZE_BITS,
  HASH_BLOCK_LENGTH,
  ISK_LENGTH,
  MAX_INPUT_LENGTH,
  SCALAR_LENGTH,
  SHARE_LENGTH,
  TAG_LENGTH,
  calculateGenerator,
  confirmationTags,
  cpaceFinish,
  cpaceStart,
  deriveIsk,
  generatorString,
  lexicographicallyLarger,
  oCat,
  prependLen,
  sampleScalar,
  scalarMult,
  scalarMultVfy,
  sidOutput,
  transcriptIr,
  transcriptOc,
  verifyTag,
  type CpaceFinishInit,
  type CpaceStartInit,
  type RistrettoPoint
} from '../../src/p2p/cpace.ts';

/** Hex as the draft prints it (wrapped, with spaces) to bytes. */
const hex = (text: string): Uint8Array => hexToBytes(text.replace(/\s+/g, ''));
const utf8 = utf8ToBytes;
const range = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);

/** The name of what fn throws, or 'no error'. Tests assert on names, never on messages. */
// draft-irtf-cfrg-cpace-21, Appendix B.3: CPace using group ristretto255 and hash SHA-512.
const B3 = {
  // B.3.1 inputs
  prs: utf8('Password'),
  zpadLength: 100,
  ci: hex('0b415f696e69746961746f720b425f726573706f6e646572'),
  sid: hex('7e4b4791d6a8ef019b936c79fb7f2c57'),
  // B.3.1 outputs
  generatorString: hex(`
    11435061636552697374726574746f3235350850617373776f726464
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000180b415f696e69746961746f
    720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f
    2c57`),
  generatorHash: hex(`
    da6d3ddc8802fca9058755ffd3ebde08a9c2c74945901a258482a288
    b6663af06bf645c93cd1c51512307199c80e84908916d983b34af772
    05f90851a657ee27`),
  g: hex(`
    222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5
    698c7e56`),
  // B.3.2
  adA: utf8('ADa'),
  ya: hex(`
    da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4f
    f0976d08`),
  Ya: hex(`
    d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec
    482b9157`),
  // B.3.3
  adB: utf8('ADb'),
  yb: hex(`
    d2316b454718c35362d83d69df6320f38578ed5984651435e2949762
    d900b80d`),
  Yb: hex(`
    3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7
    433f7258`),
  // B.3.4
  K: hex(`
    80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc98
    87c8b40f`),
  // B.3.5
  transcriptIr: hex(`
    20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0e
    ec482b915703414461203ea7e0b19560d7c0b0f5734f63b955286dfa
    8232b5ebe63324e2d9e7433f725803414462`),
  dsiIsk: hex('435061636552697374726574746f3235355f49534b'),
  iskInputIr: hex(`
    15435061636552697374726574746f3235355f49534b107e4b4791d6
    a8ef019b936c79fb7f2c572080b69a8a76457ab6a4d7f887a4bf6b55
    a2f80ac19c333f917a05fc9887c8b40f20d6bac480f2c386c394efc7
    c47adb9925dcd2630b64f240c50f8d0eec482b915703414461203ea7
    e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f
    725803414462`),
  iskIr: hex(`
    b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dc
    ae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c
    3fa2068af7900447`),
  // B.3.6
  transcriptOc: hex(`
    6f6320d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f
    8d0eec482b915703414461203ea7e0b19560d7c0b0f5734f63b95528
    6dfa8232b5ebe63324e2d9e7433f725803414462`),
  iskInputOc: hex(`
    15435061636552697374726574746f3235355f49534b107e4b4791d6
    a8ef019b936c79fb7f2c572080b69a8a76457ab6a4d7f887a4bf6b55
    a2f80ac19c333f917a05fc9887c8b40f6f6320d6bac480f2c386c394
    efc7c47adb9925dcd2630b64f240c50f8d0eec482b91570341446120
    3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7
    433f725803414462`),
  iskSy: hex(`
    544199d71f62f8d9a1fee55727e24fe4a45844593c2b6013c4fa3969
    d0e5debb2244675c0b43397cbb68d342b01fc0f98fc961469a25134d
    e9f0f813c1a57476`),
  // B.3.7
  sidOutputIr: hex(`
    bb1c449b35f0ea79a65c209f329a693d475e0ce2387bed9fe4b78f60
    b2a27c219813fb2cfe175ef40d2222d9261e66da7d78f7c55a303b1b
    8611dcdfab880c47`),
  sidOutputOc: hex(`
    10d5941d4933497fe31b9188d690b84465e2a2d158332a7267284a07
    1a8d0876fc5c8c329dc735d59a9f8ef6623ee23924704a2f929dd631
    ca981227ee82fff2`),
  // B.3.10
  s: hex(`
    7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88
    cf538a05`),
  X: hex(`
    2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d6
    54b4a51c`),
  sX: hex(`
    7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e
    7f6b600e`),
  // B.3.11
  Yi1: hex(`
    2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d6
    54b4a51c`),
  Yi2: hex(`
    00000000000000000000000000000000000000000000000000000000
    00000000`)
};

const IDENTITY_HEX = '00'.repeat(SHARE_LENGTH);

/** The group order, little-endian, 32 bytes: one past the largest valid scalar. */
const ORDER_LE = (() => {
  const out = new Uint8Array(SCALAR_LENGTH);
  let n = ristretto255.Point.Fn.ORDER;
  for (let i = 0; i < SCALAR_LENGTH; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
})();

/** A full initiator-responder run with fresh scalars; returns both ISKs and the public values. */
function run(
  a: { prs: Uint8Array; ci?: Uint8Array; sid?: Uint8Array; ad?: Uint8Array },
  b: { prs: Uint8Array; ci?: Uint8Array; sid?: Uint8Array; ad?: Uint8Array }
) {
  const ci = utf8('initiator-peer-id|responder-peer-id');
  const sid = utf8('session-0123456789');
  const inA = { ci, sid, ad: utf8('A'), ...a };
  const inB = { ci, sid, ad: utf8('B'), ...b };
  const startA = cpaceStart(inA);
  const startB = cpaceStart(inB);
  const iskA = cpaceFinish({
    sid: inA.sid,
    scalar: startA.scalar,
    role: 'initiator',
    ownShare: startA.share,
    ownAd: inA.ad,
    peerShare: startB.share,
    peerAd: inB.ad
  });
  const iskB = cpaceFinish({
    sid: inB.sid,
    scalar: startB.scalar,
    role: 'responder',
    ownShare: startB.share,
    ownAd: inB.ad,
    peerShare: startA.share,
    peerAd: inA.ad
  });
  const publicValues = {
    sid,
    initiatorShare: startA.share,
    initiatorAd: inA.ad,
    responderShare: startB.share,
    responderAd: inB.ad
  };
  return { iskA, iskB, publicValues };
}

/** Finish arguments for the B.3 initiator, with fresh copies of the secret scalar. */
function b3Finish(overrides: Partial<CpaceFinishInit> = {}): CpaceFinishInit {
  return {
    sid: B3.sid,
    scalar: B3.ya.slice(),
    role: 'initiator',
    ownShare: B3.Ya,
    ownAd: B3.adA,
    peerShare: B3.Yb,
    peerAd: B3.adB,
    ...overrides
  };
}

describe('cpace', () => {
  describe('suite constants (§5, §6.2, §8.3)', () => {
    it('names the suite and DSI, and sizes shares, scalars, ISK and tags as the draft', () => {
      expect(CPACE_SUITE).toBe('CPACE-RISTR255-SHA512');
      expect(CPACE_DSI).toBe('CPaceRistretto255');
      expect([SHARE_LENGTH, SCALAR_LENGTH, ISK_LENGTH, TAG_LENGTH]).toEqual([32, 32, 64, 64]);
      expect([HASH_BLOCK_LENGTH, GROUP_SIZE_BITS]).toEqual([128, 252]);
    });
  });

  describe('string utilities (Appendix A)', () => {
    it('prepends the LEB128 length to the A.1.2 inputs, byte for byte', () => {
      expect(bytesToHex(prependLen(new Uint8Array()))).toBe('00');
      expect(bytesToHex(prependLen(utf8('1234')))).toBe('0431323334');
      expect(bytesToHex(prependLen(range(127)))).toBe('7f' + bytesToHex(range(127)));
      expect(bytesToHex(prependLen(range(128)))).toBe('8001' + bytesToHex(range(128)));
    });

    it('encodes a length of 300 as the two LEB128 bytes ac 02 (§6.3)', () => {
      expect(bytesToHex(prependLen(new Uint8Array(300)).subarray(0, 2))).toBe('ac02');
    });

    it('concatenates length-value pairs as A.1.4 publishes', () => {
      const out = lvCat(utf8('1234'), utf8('5'), new Uint8Array(), utf8('678'));
      expect(bytesToHex(out)).toBe('043132333401350003363738');
    });

    it('orders byte strings as the six A.3.3 comparisons say', () => {
      expect(lexicographicallyLarger(hex('00'), hex('0000'))).toBe(false);
      expect(lexicographicallyLarger(hex('01'), hex('0000'))).toBe(true);
      expect(lexicographicallyLarger(hex('0000'), hex('00'))).toBe(true);
      expect(lexicographicallyLarger(hex('0000'), hex('01'))).toBe(false);
      expect(lexicographicallyLarger(hex('0001'), hex('01'))).toBe(false);
      expect(lexicographicallyLarger(utf8('ABCD'), utf8('BCD'))).toBe(false);
    });

    it('puts the larger string first after "oc", per the A.3.3 o_cat vectors', () => {
      expect(bytesToHex(oCat(utf8('ABCD'), utf8('BCD')))).toBe('6f6342434441424344');
      expect(bytesToHex(oCat(utf8('BCD'), utf8('ABCDE')))).toBe('6f634243444142434445');
    });

    it('builds the initiator-responder transcripts of A.3.5', () => {
      const t1 = transcriptIr(utf8('123'), utf8('PartyA'), utf8('234'), utf8('PartyB'));
      const t2 = transcriptIr(utf8('3456'), utf8('PartyA'), utf8('2345'), utf8('PartyB'));
      expect(bytesToHex(t1)).toBe('03313233065061727479410332333406506172747942');
      expect(bytesToHex(t2)).toBe('043334353606506172747941043233343506506172747942');
    });

    it('builds the ordered-concatenation transcripts of A.3.7', () => {
      const t1 = transcriptOc(utf8('123'), utf8('PartyA'), utf8('234'), utf8('PartyB'));
      const t2 = transcriptOc(utf8('3456'), utf8('PartyA'), utf8('2345'), utf8('PartyB'));
      expect(bytesToHex(t1)).toBe('6f6303323334065061727479420331323306506172747941');
      expect(bytesToHex(t2)).toBe('6f63043334353606506172747941043233343506506172747942');
    });

    it('pads the X25519 generator string of B.1.1 too (109 zero bytes for DSI "CPace255")', () => {
      const genStr = generatorString(utf8('CPace255'), B3.prs, B3.ci, B3.sid, HASH_BLOCK_LENGTH);
      expect(genStr.length).toBe(170);
      expect(bytesToHex(genStr)).toBe(
        '0843506163653235350850617373776f72646d' +
          '00'.repeat(109) +
          '180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57'
      );
    });
  });

  describe('ristretto255 / SHA-512 vectors (Appendix B.3)', () => {
    it('builds the B.3.1 generator string with 100 bytes of zero padding', () => {
      const dsi = utf8(CPACE_DSI);
      const genStr = generatorString(dsi, B3.prs, B3.ci, B3.sid, HASH_BLOCK_LENGTH);
      expect(genStr.length).toBe(170);
      expect(bytesToHex(genStr)).toBe(bytesToHex(B3.generatorString));
      const zpadStart = 1 + dsi.length + 1 + B3.prs.length + 1;
      expect(genStr[zpadStart - 1]).toBe(B3.zpadLength);
      expect(bytesToHex(genStr.subarray(zpadStart, zpadStart + B3.zpadLength))).toBe(
        '00'.repeat(B3.zpadLength)
      );
    });

    it('hashes the generator string to the B.3.1 hash result and maps it to the encoded g', () => {
      expect(bytesToHex(sha512(B3.generatorString))).toBe(bytesToHex(B3.generatorHash));
      const g = calculateGenerator(B3.prs, B3.ci, B3.sid);
      expect(bytesToHex(g.toBytes())).toBe(bytesToHex(B3.g));
    });

    it('computes Ya (B.3.2) and Yb (B.3.3) from the published scalars', () => {
      const g = calculateGenerator(B3.prs, B3.ci, B3.sid);
      expect(bytesToHex(scalarMult(B3.ya, g))).toBe(bytesToHex(B3.Ya));
      expect(bytesToHex(scalarMult(B3.yb, g))).toBe(bytesToHex(B3.Yb));
    });

    it('returns Ya and Yb from cpaceStart when given the published scalars', () => {
      const a = cpaceStart({ prs: B3.prs, ci: B3.ci, sid: B3.sid, ad: B3.adA }, B3.ya);
      const b = cpaceStart({ prs: B3.prs, ci: B3.ci, sid: B3.sid, ad: B3.adB }, B3.yb);
      expect(bytesToHex(a.share)).toBe(bytesToHex(B3.Ya));
      expect(bytesToHex(b.share)).toBe(bytesToHex(B3.Yb));
      expect(bytesToHex(a.scalar)).toBe(bytesToHex(B3.ya));
      expect(a.scalar).not.toBe(B3.ya); // a copy: wiping it leaves the caller's array alone
    });

    it('derives the same secret point K on both sides (B.3.4)', () => {
      expect(bytesToHex(scalarMultVfy(B3.ya, B3.Yb))).toBe(bytesToHex(B3.K));
      expect(bytesToHex(scalarMultVfy(B3.yb, B3.Ya))).toBe(bytesToHex(B3.K));
    });

    it('derives ISK_IR from the initiator-responder transcript (B.3.5)', () => {
      const transcript = transcriptIr(B3.Ya, B3.adA, B3.Yb, B3.adB);
      expect(bytesToHex(transcript)).toBe(bytesToHex(B3.transcriptIr));
      expect(bytesToHex(utf8(`${CPACE_DSI}_ISK`))).toBe(bytesToHex(B3.dsiIsk));
      const input = concatBytes(lvCat(B3.dsiIsk, B3.sid, B3.K), transcript);
      expect(bytesToHex(input)).toBe(bytesToHex(B3.iskInputIr));
      expect(bytesToHex(deriveIsk(B3.sid, B3.K, transcript))).toBe(bytesToHex(B3.iskIr));
    });

    it('derives ISK_SY from the ordered-concatenation transcript (B.3.6)', () => {
      const transcript = transcriptOc(B3.Ya, B3.adA, B3.Yb, B3.adB);
      expect(bytesToHex(transcript)).toBe(bytesToHex(B3.transcriptOc));
      expect(bytesToHex(transcriptOc(B3.Yb, B3.adB, B3.Ya, B3.adA))).toBe(
        bytesToHex(B3.transcriptOc)
      );
      const input = concatBytes(lvCat(B3.dsiIsk, B3.sid, B3.K), transcript);
      expect(bytesToHex(input)).toBe(bytesToHex(B3.iskInputOc));
      expect(bytesToHex(deriveIsk(B3.sid, B3.K, transcript))).toBe(bytesToHex(B3.iskSy));
    });

    it('computes both optional session-id outputs (B.3.7)', () => {
      expect(bytesToHex(sidOutput(B3.transcriptIr))).toBe(bytesToHex(B3.sidOutputIr));
      expect(bytesToHex(sidOutput(B3.transcriptOc))).toBe(bytesToHex(B3.sidOutputOc));
    });

    it('gives both roles ISK_IR from cpaceFinish with the published values', () => {
      const initiator = cpaceFinish(b3Finish());
      const responder = cpaceFinish({
        sid: B3.sid,
        scalar: B3.yb.slice(),
        role: 'responder',
        ownShare: B3.Yb,
        ownAd: B3.adB,
        peerShare: B3.Ya,
        peerAd: B3.adA
      });
      expect(bytesToHex(initiator)).toBe(bytesToHex(B3.iskIr));
      expect(bytesToHex(responder)).toBe(bytesToHex(B3.iskIr));
    });

    it('multiplies the valid point X of B.3.10 by s, in scalar_mult and scalar_mult_vfy', () => {
      const decoded = ristretto255.Point.fromBytes(B3.X);
      expect(bytesToHex(scalarMult(B3.s, decoded))).toBe(bytesToHex(B3.sX));
      expect(bytesToHex(scalarMultVfy(B3.s, B3.X))).toBe(bytesToHex(B3.sX));
    });

    it('returns G.I for the invalid encoding Y_i1 and the identity Y_i2 (B.3.11)', () => {
      expect(bytesToHex(scalarMultVfy(B3.s, B3.Yi1))).toBe(IDENTITY_HEX);
      expect(bytesToHex(scalarMultVfy(B3.s, B3.Yi2))).toBe(IDENTITY_HEX);
    });

    it('aborts with InvalidShareError when Y_i1 or Y_i2 arrives in either role (B.3.11)', () => {
      for (const bad of [B3.Yi1, B3.Yi2]) {
        expect(thrownName(() => cpaceFinish(b3Finish({ peerShare: bad })))).toBe(
          'InvalidShareError'
        );
        const asResponder = b3Finish({ role: 'responder', ownShare: B3.Yb, peerShare: bad });
        expect(thrownName(() => cpaceFinish(asResponder))).toBe('InvalidShareError');
      }
    });

    it('refuses to hash a K that is G.I (§7.2)', () => {
      expect(thrownName(() => deriveIsk(B3.sid, B3.Yi2, B3.transcriptIr))).toBe(
        'InvalidShareError'
      );
    });
  });

  describe('full runs', () => {
    it('gives both sides the same 64-byte ISK when they share the PRS', () => {
      const { iskA, iskB } = run({ prs: utf8('correct horse') }, { prs: utf8('correct horse') });
      expect(iskA.length).toBe(ISK_LENGTH);
      expect(bytesToHex(iskA)).toBe(bytesToHex(iskB));
    });

    it('gives the two sides different ISKs when their PRS differ', () => {
      const { iskA, iskB } = run({ prs: utf8('correct horse') }, { prs: utf8('correct horsf') });
      expect(bytesToHex(iskA)).not.toBe(bytesToHex(iskB));
    });

    it('gives different ISKs when CI, sid or one side’s view of an AD differs', () => {
      const prs = utf8('pw');
      const ci = run({ prs, ci: utf8('ci-1') }, { prs, ci: utf8('ci-2') });
      const sid = run({ prs, sid: utf8('sid-1') }, { prs, sid: utf8('sid-2') });
      expect(bytesToHex(ci.iskA)).not.toBe(bytesToHex(ci.iskB));
      expect(bytesToHex(sid.iskA)).not.toBe(bytesToHex(sid.iskB));

      const a = cpaceStart({ prs, ci: utf8('c'), sid: utf8('s') });
      const b = cpaceStart({ prs, ci: utf8('c'), sid: utf8('s') });
      const common = { sid: utf8('s'), ownAd: utf8('A') };
      const iskA = cpaceFinish({
        ...common,
        scalar: a.scalar,
        role: 'initiator',
        ownShare: a.share,
        peerShare: b.share,
        peerAd: utf8('B-tampered')
      });
      const iskB = cpaceFinish({
        sid: utf8('s'),
        scalar: b.scalar,
        role: 'responder',
        ownShare: b.share,
        ownAd: utf8('B'),
        peerShare: a.share,
        peerAd: utf8('A')
      });
      expect(bytesToHex(iskA)).not.toBe(bytesToHex(iskB));
    });

    it('samples fresh scalars: two starts with the same inputs send different shares', () => {
      const init = { prs: utf8('pw'), ci: new Uint8Array(), sid: new Uint8Array() };
      expect(bytesToHex(cpaceStart(init).share)).not.toBe(bytesToHex(cpaceStart(init).share));
    });

    it('wipes the scalar it consumed, so a second cpaceFinish with it is refused', () => {
      const args = b3Finish();
      cpaceFinish(args);
      expect(bytesToHex(args.scalar)).toBe('00'.repeat(SCALAR_LENGTH));
      expect(thrownName(() => cpaceFinish(args))).toBe('RangeError');
    });

    it('wipes the scalar even when the peer share is refused', () => {
      const args = b3Finish({ peerShare: B3.Yi2 });
      expect(thrownName(() => cpaceFinish(args))).toBe('InvalidShareError');
      expect(bytesToHex(args.scalar)).toBe('00'.repeat(SCALAR_LENGTH));
    });

    it('refuses our own share reflected back as the peer’s (§10.1.2)', () => {
      expect(thrownName(() => cpaceFinish(b3Finish({ peerShare: B3.Ya, peerAd: B3.adA })))).toBe(
        'InvalidShareError'
      );
    });
  });

  describe('sampleScalar (§8.3)', () => {
    it('returns 32 non-zero bytes with the bits above 252 cleared, different each call', () => {
      const samples = Array.from({ length: 64 }, () => sampleScalar());
      for (const s of samples) {
        expect(s.length).toBe(SCALAR_LENGTH);
        expect(s[31]! & 0xf0).toBe(0);
        expect(s.some((b) => b !== 0)).toBe(true);
      }
      expect(new Set(samples.map(bytesToHex)).size).toBe(64);
    });
  });

  describe('key confirmation (§10.4)', () => {
    it('computes the tags exactly as §10.4 writes them, with HMAC-SHA-512 as the MAC', () => {
      // §10.4 publishes no vectors: recompute its formula from the primitives on B.3's values.
      const publicValues = {
        sid: B3.sid,
        initiatorShare: B3.Ya,
        initiatorAd: B3.adA,
        responderShare: B3.Yb,
        responderAd: B3.adB
      };
      const macKey = sha512(concatBytes(utf8('CPaceMac'), B3.sid, B3.iskIr));
      const tags = confirmationTags(B3.iskIr, publicValues);
      expect(bytesToHex(tags.initiator)).toBe(
        bytesToHex(hmac(sha512, macKey, concatBytes(hex('20'), B3.Ya, hex('03'), B3.adA)))
      );
      expect(bytesToHex(tags.responder)).toBe(
        bytesToHex(hmac(sha512, macKey, concatBytes(hex('20'), B3.Yb, hex('03'), B3.adB)))
      );
      expect([tags.initiator.length, tags.responder.length]).toEqual([TAG_LENGTH, TAG_LENGTH]);
    });

    it('verifies each side’s tag on the other side when the ISKs match', () => {
      const { iskA, iskB, publicValues } = run({ prs: utf8('pw') }, { prs: utf8('pw') });
      const atA = confirmationTags(iskA, publicValues);
      const atB = confirmationTags(iskB, publicValues);
      expect(verifyTag(atB.initiator, atA.initiator)).toBe(true); // B checks A's tag
      expect(verifyTag(atA.responder, atB.responder)).toBe(true); // A checks B's tag
    });

    it('rejects the peer’s tags when the ISKs differ (wrong PRS)', () => {
      const { iskA, iskB, publicValues } = run({ prs: utf8('pw') }, { prs: utf8('pv') });
      const atA = confirmationTags(iskA, publicValues);
      const atB = confirmationTags(iskB, publicValues);
      expect(verifyTag(atB.initiator, atA.initiator)).toBe(false);
      expect(verifyTag(atA.responder, atB.responder)).toBe(false);
    });

    it('rejects a reflected tag: the initiator’s never passes as the responder’s', () => {
      const { iskA, publicValues } = run({ prs: utf8('pw') }, { prs: utf8('pw') });
      const tags = confirmationTags(iskA, publicValues);
      expect(bytesToHex(tags.initiator)).not.toBe(bytesToHex(tags.responder));
      expect(verifyTag(tags.responder, tags.initiator)).toBe(false);
    });

    it('rejects a tag with one bit flipped, a truncated tag and an empty one', () => {
      const tags = confirmationTags(B3.iskIr, {
        sid: B3.sid,
        initiatorShare: B3.Ya,
        initiatorAd: B3.adA,
        responderShare: B3.Yb,
        responderAd: B3.adB
      });
      const flipped = tags.initiator.slice();
      flipped[TAG_LENGTH - 1]! ^= 0x01;
      expect(verifyTag(tags.initiator, tags.initiator.slice())).toBe(true);
      expect(verifyTag(tags.initiator, flipped)).toBe(false);
      expect(verifyTag(tags.initiator, tags.initiator.subarray(0, 32))).toBe(false);
      expect(verifyTag(tags.initiator, new Uint8Array())).toBe(false);
    });
  });

  describe('bad input', () => {
    const start = { prs: B3.prs, ci: B3.ci, sid: B3.sid, ad: B3.adA };

    it('rejects non-canonical peer shares with InvalidShareError', () => {
      const nonCanonical = [
        B3.Yi1, // B.3.11: not a valid encoding
        hex('01' + '00'.repeat(31)), // s = 1 is odd, i.e. negative (RFC 9496 §4.3.1)
        hex('ed' + 'ff'.repeat(30) + '7f'), // s = p, not a reduced field element
        hex('ff'.repeat(32)) // bit 255 set
      ];
      for (const peerShare of nonCanonical) {
        expect(thrownName(() => cpaceFinish(b3Finish({ peerShare })))).toBe('InvalidShareError');
        expect(bytesToHex(scalarMultVfy(B3.s, peerShare))).toBe(IDENTITY_HEX);
      }
    });

    it('rejects the identity as a peer share with InvalidShareError', () => {
      expect(thrownName(() => cpaceFinish(b3Finish({ peerShare: new Uint8Array(32) })))).toBe(
        'InvalidShareError'
      );
    });

    it('rejects shares of the wrong length with RangeError', () => {
      for (const len of [0, 31, 33, 64]) {
        const share = new Uint8Array(len).fill(2);
        expect(thrownName(() => cpaceFinish(b3Finish({ peerShare: share })))).toBe('RangeError');
        expect(thrownName(() => cpaceFinish(b3Finish({ ownShare: share })))).toBe('RangeError');
        expect(thrownName(() => scalarMultVfy(B3.s, share))).toBe('RangeError');
      }
    });

    it('rejects scalars of the wrong length, zero, or ≥ the group order with RangeError', () => {
      const belowOrder = ORDER_LE.slice();
      belowOrder[0]! -= 1; // order - 1: the largest valid scalar
      expect(thrownName(() => cpaceStart(start, belowOrder))).toBe('no error');
      for (const scalar of [
        new Uint8Array(31),
        new Uint8Array(33).fill(1),
        new Uint8Array(32),
        ORDER_LE,
        hex('ff'.repeat(32))
      ]) {
        expect(thrownName(() => cpaceStart(start, scalar))).toBe('RangeError');
        expect(thrownName(() => cpaceFinish(b3Finish({ scalar: scalar.slice() })))).toBe(
          'RangeError'
        );
        expect(thrownName(() => scalarMultVfy(scalar, B3.X))).toBe('RangeError');
      }
    });

    it('rejects arguments that are not Uint8Array with TypeError', () => {
      const notBytes = ['Password', [1, 2, 3], null, undefined, new Uint16Array(4)];
      for (const value of notBytes) {
        const bad = value as unknown as Uint8Array;
        expect(thrownName(() => cpaceStart({ ...start, prs: bad }))).toBe('TypeError');
        expect(thrownName(() => cpaceStart({ ...start, ci: bad }))).toBe('TypeError');
        expect(thrownName(() => cpaceFinish(b3Finish({ peerAd: bad })))).toBe('TypeError');
        expect(thrownName(() => cpaceFinish(b3Finish({ scalar: bad })))).toBe('TypeError');
        expect(thrownName(() => lvCat(utf8('a'), bad))).toBe('TypeError');
        expect(thrownName(() => verifyTag(new Uint8Array(TAG_LENGTH), bad))).toBe('TypeError');
      }
      expect(thrownName(() => cpaceStart(null as unknown as CpaceStartInit))).toBe('TypeError');
      const encodedNotPoint = B3.X as unknown as RistrettoPoint;
      expect(thrownName(() => scalarMult(B3.s, encodedNotPoint))).toBe('TypeError');
    });

    it('rejects an empty PRS and inputs over MAX_INPUT_LENGTH with RangeError', () => {
      const big = new Uint8Array(MAX_INPUT_LENGTH + 1);
      expect(thrownName(() => cpaceStart({ ...start, prs: new Uint8Array() }))).toBe('RangeError');
      expect(thrownName(() => cpaceStart({ ...start, prs: big }))).toBe('RangeError');
      expect(thrownName(() => cpaceStart({ ...start, ad: big }))).toBe('RangeError');
      expect(thrownName(() => cpaceFinish(b3Finish({ peerAd: big })))).toBe('RangeError');
      expect(thrownName(() => cpaceStart({ ...start, ad: big.subarray(1) }))).toBe('no error');
    });

    it('rejects an unknown role with RangeError', () => {
      const role = 'server' as unknown as 'initiator';
      expect(thrownName(() => cpaceFinish(b3Finish({ role })))).toBe('RangeError');
    });

    it('rejects wrong-length ISK, K, shares or expected tag in the helpers with RangeError', () => {
      const publicValues = {
        sid: B3.sid,
        initiatorShare: B3.Ya,
        initiatorAd: B3.adA,
        responderShare: B3.Yb,
        responderAd: B3.adB
      };
      expect(thrownName(() => confirmationTags(B3.iskIr.subarray(1), publicValues))).toBe(
        'RangeError'
      );
      expect(
        thrownName(() => confirmationTags(B3.iskIr, { ...publicValues, responderShare: B3.sid }))
      ).toBe('RangeError');
      expect(thrownName(() => deriveIsk(B3.sid, B3.K.subarray(1), B3.transcriptIr))).toBe(
        'RangeError'
      );
      expect(thrownName(() => verifyTag(new Uint8Array(), new Uint8Array()))).toBe('RangeError');
      expect(thrownName(() => generatorString(B3.prs, B3.prs, B3.ci, B3.sid, -1))).toBe(
        'RangeError'
      );
    });
  });
});
