/**
 * Errors as sentences: the core's typed errors (src/p2p/errors.ts) are mapped by `name` to a
 * translated message. Nothing here matches on message text.
 */
import { m } from '$lib/paraglide/messages.js';

const MESSAGES: Readonly<Record<string, () => string>> = {
  InvalidNetworkConfigError: m.error_InvalidNetworkConfigError,
  NetworkUnreachableError: m.error_NetworkUnreachableError,
  NoRelayError: m.error_NoRelayError,
  AbortError: m.error_AbortError,
  EmptyPassphraseError: m.error_EmptyPassphraseError,
  PassphraseTooLongError: m.error_PassphraseTooLongError,
  KeyDerivationError: m.error_KeyDerivationError,
  CallLockedError: m.error_CallLockedError,
  PeerBlockedError: m.error_PeerBlockedError,
  AdmissionRateLimitedError: m.error_AdmissionRateLimitedError
};

/** The translated sentence for an error (or an error's name). */
export function errorMessage(err: unknown): string {
  const name = typeof err === 'string' ? err : err instanceof Error ? err.name : '';
  return (Object.hasOwn(MESSAGES, name) ? MESSAGES[name] : undefined)?.() ?? m.error_generic();
}
