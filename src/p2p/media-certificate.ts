/**
 * The DTLS certificate of a call's media, made before anyone is admitted, so that its
 * fingerprint can be committed in the admission (CPace's associated data) before the session key
 * exists. Every media RTCPeerConnection of the call uses exactly this certificate (webrtc-pc
 * §4.2.1, `certificates`), and a peer whose SDP shows another fingerprint is cut off.
 *
 * Why: the safety words are derived from the session key and both fingerprints. If a
 * fingerprint could be chosen after the key exists, someone who knows the passphrase and runs
 * admission separately with both sides could try certificates until the two sides' words
 * collided: a birthday search of about 2^26 per side for four words. Committed first, each try
 * costs a new admission run, which is an online guess the rate limit counts (admit/limits.ts).
 */
import { MediaNegotiationError } from './errors.ts';
import { normaliseFingerprint } from './safety-words.ts';
import { sdpFingerprint } from './media.ts';

/** A certificate for the call's media and what makes a peer connection use it. */
export interface MediaCertificate {
  /** Its SHA-256 fingerprint as RFC 8122 writes it, normalised ("sha-256 AB:CD:…"). */
  readonly fingerprint: string;
  /**
   * Merged into every media RTCPeerConnection's configuration: `certificates` in a browser;
   * node-datachannel (Node tests) takes PEM text instead.
   */
  readonly configuration: Readonly<Record<string, unknown>>;
}

/** The RTCPeerConnection constructor, with the static certificate factory. */
export interface CertificateFactory {
  new (configuration?: RTCConfiguration): RTCPeerConnection;
  generateCertificate(keygenAlgorithm: AlgorithmIdentifier): Promise<RTCCertificate>;
}

/**
 * ECDSA P-256: what browsers generate for themselves by default (fast, and every engine's DTLS
 * accepts it); RSA would take a second to make on a phone.
 */
const KEY_ALGORITHM: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

/**
 * Makes the call's media certificate with the browser's own generator.
 *
 * @throws {MediaNegotiationError} when the browser cannot make one or show its fingerprint
 * @example
 * const certificate = await generateMediaCertificate(RTCPeerConnection)
 * new RTCPeerConnection({ ...certificate.configuration }) // DTLS with that certificate
 */
export async function generateMediaCertificate(RTC: CertificateFactory): Promise<MediaCertificate> {
  let certificate: RTCCertificate;
  try {
    certificate = await RTC.generateCertificate(KEY_ALGORITHM);
  } catch (cause) {
    throw new MediaNegotiationError('no media certificate could be made', { cause });
  }
  const fingerprint =
    listedFingerprint(certificate) ?? (await offeredFingerprint(RTC, certificate));
  return { fingerprint, configuration: { certificates: [certificate] } };
}

/** The SHA-256 fingerprint the certificate lists (not every engine has getFingerprints). */
function listedFingerprint(certificate: RTCCertificate): string | undefined {
  const listed = (
    certificate as RTCCertificate & { getFingerprints?: () => RTCDtlsFingerprint[] }
  ).getFingerprints?.();
  const sha256 = listed?.find((f) => f.algorithm?.toLowerCase() === 'sha-256')?.value;
  return sha256 === undefined ? undefined : normaliseFingerprint(`sha-256 ${sha256}`);
}

/** The fingerprint of an offer made with the certificate: what the peer will see. */
async function offeredFingerprint(
  RTC: CertificateFactory,
  certificate: RTCCertificate
): Promise<string> {
  const pc = new RTC({ certificates: [certificate] });
  try {
    pc.createDataChannel('fingerprint');
    const offer = await pc.createOffer();
    const fingerprint = sdpFingerprint(offer.sdp ?? '');
    if (fingerprint === undefined) {
      throw new MediaNegotiationError('the media certificate has no SHA-256 fingerprint');
    }
    return fingerprint;
  } finally {
    pc.close();
  }
}
