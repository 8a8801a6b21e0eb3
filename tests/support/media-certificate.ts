/**
 * A media certificate for Node tests: node-datachannel cannot make one
 * (RTCPeerConnection.generateCertificate is not implemented there), but takes a certificate and
 * key as PEM text in its configuration. An ECDSA P-256 self-signed certificate, as browsers make.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate } from 'node:crypto';
import type { MediaCertificate } from '../../src/p2p/media-certificate.ts';
import { normaliseFingerprint } from '../../src/p2p/safety-words.ts';

x509.cryptoProvider.set(webcrypto as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

/** A fresh certificate and what makes node-datachannel's polyfill use it. */
export async function nodeMediaCertificate(): Promise<MediaCertificate> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    name: 'CN=samen-test',
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 30 * DAY_MS),
    keys: keys as CryptoKeyPair,
    signingAlgorithm: ALGORITHM
  });
  const pem = certificate.toString('pem');
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = [
    '-----BEGIN PRIVATE KEY-----',
    ...(pkcs8.toString('base64').match(/.{1,64}/g) ?? []),
    '-----END PRIVATE KEY-----'
  ].join('\n');
  return {
    fingerprint: normaliseFingerprint(`sha-256 ${new X509Certificate(pem).fingerprint256}`),
    // node-datachannel takes PEM text (or a file path) in these (libdatachannel's Configuration).
    configuration: { certificatePemFile: pem, keyPemFile: keyPem }
  };
}
