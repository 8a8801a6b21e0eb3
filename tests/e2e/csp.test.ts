/**
 * The Content-Security-Policy (svelte.config.js) and the server's security headers
 * (scripts/security-headers.ts) against the real app: every page, the service worker's reload
 * and a two-person call with camera, microphone and chat run with no violation, and the policy
 * does block what it is there to block (so the recorder below is known to see violations).
 *
 * Violations are recorded from the page itself (`securitypolicyviolation`, listened for by an
 * init script before any of the app's code runs) and from Chromium's console ("Refused to … because
 * it violates the following Content Security Policy directive").
 */
import type { Browser, Page } from '@playwright/test';
import { trackPeerConnections } from '../../scripts/chromium.ts';
import { SECURITY_HEADERS } from '../../scripts/security-headers.ts';
import { expect, sharedUrl as url, test } from './fixtures.ts';
import { expectNoAlerts, inbound, joinFullMesh, uniquePassphrase } from './helpers.ts';
import {
  CHAT_TIMEOUT_MS,
  LARGE_TEST_TIMEOUT_MS,
  MEDIA_TIMEOUT_MS,
  RELAY_READY_TIMEOUT_MS
} from './timeouts.ts';

/** Every violation a page saw, as "<directive> <blocked URL>", in the order seen. */
interface Watched {
  readonly page: Page;
  violations(): Promise<string[]>;
}

/** An init script: keeps every CSP violation of the page in `window.__cspViolations`. */
function recordViolations(): void {
  const seen: string[] = [];
  (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
  // Capture on the window: violations are fired at the element, the document or the window,
  // and all of them pass through it.
  window.addEventListener(
    'securitypolicyviolation',
    (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`),
    true
  );
}

/** Opens `path` of the app in a fresh context whose CSP violations are recorded. */
async function openWatched(browser: Browser, path = ''): Promise<Watched> {
  const context = await browser.newContext();
  await context.addInitScript(recordViolations);
  await context.addInitScript(trackPeerConnections);
  const page = await context.newPage();
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) {
      refused.push(`console: ${message.text()}`);
    }
  });
  await page.goto(new URL(path, url()).href);
  return {
    page,
    violations: async () => [
      ...(await page.evaluate(
        () => (window as unknown as { __cspViolations: string[] }).__cspViolations
      )),
      ...refused
    ]
  };
}

test.describe('Content-Security-Policy', () => {
  test('every page loads, and reloads from the service worker, with no violation', async ({
    browser
  }) => {
    const watched = await openWatched(browser);
    const { page } = watched;
    await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true', {
      timeout: RELAY_READY_TIMEOUT_MS
    });
    // The policy is the page's own (a meta tag): the bootstrap script's hash, no inline script
    // or eval otherwise, WebAssembly for the KDF.
    const policy = await page
      .locator('meta[http-equiv="content-security-policy"]')
      .getAttribute('content');
    expect(policy).toMatch(/(^|; )script-src 'self' 'wasm-unsafe-eval' 'sha256-[\w+/=]+'(;|$)/);
    expect(policy).toMatch(/(^|; )object-src 'none'(;|$)/);
    expect(policy).toMatch(/(^|; )base-uri 'none'(;|$)/);

    // What loads as the user types: the strength estimate, the QR code.
    await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill('csp test words');
    await page.getByRole('button', { name: 'QR code' }).click();
    await expect(page.getByTestId('qr-code')).toBeVisible();
    await page.getByRole('button', { name: 'Generate passphrase' }).click();

    for (const [link, path] of [
      ['Settings', '/settings'],
      ['Safety tips', '/safety'],
      ['Privacy', '/privacy'],
      ['Call', '/']
    ] as const) {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: link })
        .click();
      await expect(page).toHaveURL(new URL(path, url()).href);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    }
    expect(await watched.violations()).toEqual([]);

    // Each page loaded on its own, from the service worker once it controls the page.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    for (const path of ['settings', 'safety', 'privacy', 'about', 'call', '']) {
      await page.goto(new URL(path, url()).href);
      await expect(page.locator('main')).toBeVisible();
      await page.waitForLoadState('networkidle');
      expect(await watched.violations(), path).toEqual([]);
    }
  });

  test('blocks inline script, eval and connections to other web hosts', async ({ browser }) => {
    const watched = await openWatched(browser);
    const { page } = watched;
    await expect(page.getByRole('heading', { level: 1, name: 'Samen' })).toBeVisible();
    const outcome = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.head.append(script);
      // A string for setTimeout is compiled like eval, later, outside this evaluation (which
      // the DevTools protocol runs exempt from the page's policy).
      const timer = setTimeout as unknown as (code: string, ms: number) => number;
      timer('window.__evaluated = true', 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      let fetched: string;
      try {
        // Refused by the browser before any request: nothing leaves the machine.
        await fetch('https://example.org/');
        fetched = 'fetched';
      } catch (error) {
        fetched = (error as Error).name;
      }
      return {
        injected: (window as unknown as { __injected?: boolean }).__injected ?? false,
        evaluated: (window as unknown as { __evaluated?: boolean }).__evaluated ?? false,
        fetched
      };
    });
    expect(outcome).toEqual({ injected: false, evaluated: false, fetched: 'TypeError' });
    await expect
      .poll(() => watched.violations().then((seen) => seen.filter((v) => !v.startsWith('console'))))
      .toEqual(['script-src-elem inline', 'script-src eval', 'connect-src https://example.org/']);
  });

  test('the server sends the headers docs/hosting.md asks of every host', async ({ page }) => {
    const response = await page.goto(url());
    const headers = response?.headers() ?? {};
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      expect(headers[name.toLowerCase()], name).toBe(value);
    }
  });

  test('two people in a call with camera, microphone and chat: no violation', async ({
    browser
  }) => {
    test.setTimeout(LARGE_TEST_TIMEOUT_MS);
    const [a, b] = await Promise.all([openWatched(browser), openWatched(browser)]);
    for (const { page } of [a, b]) {
      await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true', {
        timeout: RELAY_READY_TIMEOUT_MS
      });
    }
    await joinFullMesh([a.page, b.page], uniquePassphrase());
    for (const { page } of [a, b]) {
      const camera = page.getByRole('button', { name: 'Camera' });
      await camera.click();
      await expect(camera).toHaveAttribute('aria-pressed', 'true');
    }
    for (const { page } of [a, b]) {
      await expect(page.getByTestId('participant').getByTestId('remote-video')).toBeVisible({
        timeout: MEDIA_TIMEOUT_MS
      });
      // Video decoded and audio received: the media elements play under the policy.
      await expect
        .poll(() => inbound(page).then((i) => i.framesDecoded > 0 && i.audioPackets > 0), {
          timeout: MEDIA_TIMEOUT_MS
        })
        .toBe(true);
    }
    // Enter submits the chat's form: a submission that form-action 'none' would refuse if the
    // app let it through to the browser.
    await a.page.getByRole('textbox', { name: 'Message' }).fill('hello under a policy');
    await a.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await expect(b.page.getByRole('log')).toContainText('hello under a policy', {
      timeout: CHAT_TIMEOUT_MS
    });
    await expectNoAlerts(a.page);
    await expectNoAlerts(b.page);

    expect(await a.violations()).toEqual([]);
    expect(await b.violations()).toEqual([]);
  });
});
