/**
 * Chromium inside a lab home: a wrapper executable that enters the participant's namespace
 * and execs Chromium with its arguments. Playwright launches browsers over a pipe (file
 * descriptors 3 and 4, which exec keeps), so it drives a browser in a namespace it is not in.
 */
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/chromium.ts';
import type { Namespace } from './netns.ts';

/**
 * Launch options for Playwright's `chromium.launch` that start Debian's Chromium inside `ns`,
 * with the flags of every test browser. A page served from a non-loopback http address is not
 * a secure context (no getUserMedia, no service worker); `appUrl`'s origin is declared secure
 * for the test, as LIBP2P-NOTES.md describes.
 *
 * @example
 * const browser = await chromium.launch(await chromiumIn(home.participants[0], stack.url))
 */
export async function chromiumIn(
  ns: Namespace,
  appUrl: string
): Promise<{ executablePath: string; args: string[] }> {
  return {
    executablePath: await ns.wrapper(chromiumPath()),
    args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${new URL(appUrl).origin}`]
  };
}
