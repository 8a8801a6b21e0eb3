/**
 * Which network the app uses: a host's network.json asked for once per page load; the one that
 * worked last time used (and said so) when the host cannot give it; a malformed one with nothing
 * remembered reported, and the public network used only once the user chooses it; a self-hosted
 * `samen-node` typed into Settings, reached by the browser over WebRTC-direct and over
 * WebSockets. Nothing here leaves loopback.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { BrowserContext, Page } from '@playwright/test';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack.ts';
import { expect, sharedUrl, test } from './fixtures.ts';
import { uniquePassphrase } from './helpers.ts';
import { RELAY_READY_TIMEOUT_MS } from './timeouts.ts';

/** A started node prints each address on its own line; this marks the ones browsers can dial. */
const BROWSER_ADDRESS = /^\S+ {3}(\/\S+) {3}\(browsers\)$/;

/** Where the app remembers the last network.json that worked (src/p2p/host-network.ts). */
const REMEMBERED_NETWORK_KEY = 'samen.network.last.v1';

/**
 * The public profile dials the libp2p bootstrap nodes (secure WebSockets by host name). No
 * test may reach past loopback, so everything else is refused, the way an offline browser would.
 */
async function stayOnLoopback(context: BrowserContext): Promise<void> {
  const remote = (url: URL) => url.hostname !== '127.0.0.1';
  await context.route(remote, (route) => route.abort('internetdisconnected'));
  await context.routeWebSocket(remote, (ws) => ws.close());
}

/** Counts the page's requests for network.json (the service worker's too, were it to ask). */
function countNetworkJsonRequests(context: BrowserContext): () => number {
  let count = 0;
  context.on('request', (request) => {
    if (new URL(request.url()).pathname === '/network.json') {
      count++;
    }
  });
  return () => count;
}

test.describe('network.json from the host', () => {
  let stack: LocalStack | undefined;

  test.beforeAll(async () => {
    stack = await startLocalStack({ port: 0, nodes: 1, networkJsonOverride: '{"name": 1}' });
  });

  test.afterAll(async () => {
    await stack?.stop();
  });

  test('a malformed file, with no network remembered, is reported and the public network is used only once chosen', async ({
    page,
    context
  }) => {
    await stayOnLoopback(context);
    await page.goto(stack!.url);

    const detail = '("name" must be a non-empty string of at most 100 chars)';
    const alert = page.getByTestId('host-network');
    await expect(alert).toHaveRole('alert');
    await expect(alert).toHaveText(
      `This site’s network.json could not be used ${detail}, and no network of this site is ` +
        'remembered on this device. Samen does not switch to the public network by itself: ' +
        'your calls would then be announced on the public libp2p network instead of on this ' +
        'site’s own nodes. You can join a call once you have chosen.'
    );
    await expect(alert).toHaveAttribute('data-fallback', 'ask');
    const status = page.getByTestId('network-status');
    await expect(status).toHaveAttribute('data-phase', 'choose');
    await expect(status).toHaveText('No network in use yet: choose one below.');
    // No call on a network nobody chose.
    const join = page.getByRole('button', { name: 'Join call' });
    await expect(join).toBeDisabled();
    await expect(join).toHaveAccessibleDescription('Choose a network first (under Network).');
    // Still asking a moment later: nothing is chosen for the user.
    await page.waitForTimeout(1_000);
    await expect(status).toHaveAttribute('data-phase', 'choose');
    await expect(page.getByText('Network: the public libp2p network')).toHaveCount(0);

    await page.getByRole('button', { name: 'Use the public network' }).click();
    await expect(alert).toHaveText(
      `This site’s network.json could not be used ${detail}, so Samen uses the public ` +
        'network instead.'
    );
    await expect(alert).toHaveAttribute('data-fallback', 'public');
    await expect(page.getByText('Network: the public libp2p network')).toBeVisible();
    await expect(status).toHaveAttribute('data-phase', /connecting|unreachable/);
    await expect(join).toBeEnabled();
    await expect(page.getByRole('button', { name: 'Use the public network' })).toHaveCount(0);

    // The rest of the app keeps working.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Settings' })
      .click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await expect(page.getByRole('radio', { name: /^Automatic: this site/ })).toBeChecked();
  });
});

test.describe('the host network.json, once per page load and remembered', () => {
  test('is asked for once per page load, not again when a call ends', async ({ browser }) => {
    // Without the service worker, every request for the file is the page's own.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const requests = countNetworkJsonRequests(context);
    const page = await context.newPage();
    await page.goto(sharedUrl());
    const relay = page.getByTestId('relay-status');
    await expect(relay).toHaveAttribute('data-ready', 'true', { timeout: RELAY_READY_TIMEOUT_MS });
    expect(requests()).toBe(1);

    // A call of one, then Leave: the start page warms a new node for the next call.
    await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(uniquePassphrase());
    await page.getByRole('button', { name: 'Join call' }).click();
    await expect(page).toHaveURL(/\/call$/);
    await expect(page.getByTestId('self')).toHaveAttribute('data-peer', /^12D3Koo\w+$/);
    await page.getByRole('button', { name: 'Leave' }).click();
    await expect(page).toHaveURL(new URL('/', sharedUrl()).href);
    await expect(relay).toHaveAttribute('data-ready', 'true', { timeout: RELAY_READY_TIMEOUT_MS });
    await expect(page.getByText('Network: Samen local network (from this site)')).toBeVisible();
    expect(requests()).toBe(1);

    // A new page load asks again.
    await page.reload();
    await expect(relay).toHaveAttribute('data-ready', 'true', { timeout: RELAY_READY_TIMEOUT_MS });
    expect(requests()).toBe(2);
  });

  for (const { answer, detail } of [
    { answer: 'no answer', detail: 'the site did not answer' },
    { answer: 'a 404', detail: 'the site no longer serves one' }
  ]) {
    test(`the network that worked last time is used, and said so, when network.json gets ${answer}`, async ({
      browser
    }) => {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      await stayOnLoopback(context);
      const page = await context.newPage();
      await page.goto(sharedUrl());
      const status = page.getByTestId('network-status');
      await expect(status).toHaveAttribute('data-phase', 'connected');
      await expect(page.getByText('Network: Samen local network (from this site)')).toBeVisible();
      expect(
        JSON.parse(
          (await page.evaluate((key) => localStorage.getItem(key), REMEMBERED_NETWORK_KEY))!
        )
      ).toMatchObject({ version: 1, network: { name: 'Samen local network' } });

      // The next page load: the host is down, or its file gone.
      await context.route('**/network.json', (route) =>
        answer === 'no answer'
          ? route.abort('connectionrefused')
          : route.fulfill({ status: 404, body: 'Not found' })
      );
      await page.reload();

      const alert = page.getByTestId('host-network');
      await expect(alert).toHaveText(
        `This site’s network.json could not be used (${detail}), so Samen uses the network ` +
          'that worked here last time: Samen local network. Samen switches to the public ' +
          'network only if you choose it.'
      );
      await expect(alert).toHaveRole('alert');
      await expect(alert).toHaveAttribute('data-fallback', 'remembered');
      await expect(
        page.getByText('Network: Samen local network (remembered from this site)')
      ).toBeVisible();
      // The remembered nodes are the local stack's: connected, a relay slot, Join possible.
      await expect(status).toHaveAttribute('data-phase', 'connected');
      await expect(status).toHaveText(/^Connected to \d+ Samen nodes?$/);
      await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true', {
        timeout: RELAY_READY_TIMEOUT_MS
      });
      await expect(page.getByRole('button', { name: 'Join call' })).toBeEnabled();

      // Switching is the user's choice, and said so.
      await page.getByRole('button', { name: 'Use the public network' }).click();
      await expect(alert).toHaveText(
        `This site’s network.json could not be used (${detail}), so Samen uses the public ` +
          'network instead.'
      );
      await expect(alert).toHaveAttribute('data-fallback', 'public');
      await expect(page.getByText('Network: the public libp2p network')).toBeVisible();
    });
  }
});

interface SamenNodeProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the first message (timestamp removed) that `match` accepts. */
  waitForLine(match: (line: string) => boolean, what: string): Promise<string>;
  /** Resolves once the process has exited. */
  readonly closed: Promise<void>;
}

/** Runs `node src/relay/cli.ts --port 0`: one standalone node on free loopback ports. */
function startSamenNode(): SamenNodeProcess {
  // --verbose: the node logs the reservations it grants (by default it names no client).
  const child = spawn(process.execPath, ['src/relay/cli.ts', '--port', '0', '--verbose'], {
    stdio: ['ignore', 'pipe', 'pipe']
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const listener of listeners) {
      listener(line);
    }
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    closed,
    waitForLine(match, what) {
      return new Promise<string>((resolve, reject) => {
        const check = (line: string) => {
          if (match(line)) {
            listeners.delete(check);
            resolve(line);
          }
        };
        void closed.then(() =>
          reject(new Error(`samen-node exited before printing ${what}; stderr: ${stderr}`))
        );
        lines.forEach(check);
        listeners.add(check);
      });
    }
  };
}

async function browserAddress(node: SamenNodeProcess, pattern: RegExp): Promise<string> {
  const line = await node.waitForLine((l) => {
    const address = BROWSER_ADDRESS.exec(l)?.[1];
    return address !== undefined && pattern.test(address);
  }, `a ${pattern} address for browsers`);
  return BROWSER_ADDRESS.exec(line)?.[1] ?? '';
}

/** Chooses "My own nodes" with this one address in Settings, saves, and returns to the start. */
async function useOwnNode(page: Page, address: string): Promise<void> {
  await page.goto(sharedUrl());
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();

  await page.getByRole('radio', { name: 'My own nodes' }).check();
  await page
    .getByLabel('Bootstrap addresses (one multiaddr per line, each ending in /p2p/…)')
    .fill(address);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toHaveText('Settings saved.');

  await nav.getByRole('link', { name: 'Call' }).click();
}

test.describe('a self-hosted samen-node in Settings', () => {
  let node: SamenNodeProcess | undefined;

  test.beforeEach(() => {
    node = startSamenNode();
  });

  test.afterEach(async () => {
    node?.child.kill('SIGKILL');
    await node?.closed;
    node = undefined;
  });

  // Each test gets its own browser context (Playwright's `page` fixture), so its own
  // localStorage: the settings of one test never leak into the next.
  for (const { transport, pattern } of [
    { transport: 'WebRTC-direct', pattern: /\/udp\/\d+\/webrtc-direct\/certhash\// },
    { transport: 'WebSockets', pattern: /\/tcp\/\d+\/ws\/p2p\// }
  ]) {
    test(`connects the browser to the node over ${transport} and keeps the choice after a reload`, async ({
      page
    }) => {
      const address = await browserAddress(node!, pattern);
      const reserved = node!.waitForLine(
        (l) => l.includes(' relay reservation for '),
        'a relay reservation'
      );
      // Awaited below; until then a node that dies early must not be an unhandled rejection.
      reserved.catch(() => undefined);

      await useOwnNode(page, address);
      const status = page.getByTestId('network-status');
      await expect(status).toHaveText('Connected to 1 Samen node');
      await expect(status).toHaveAttribute('data-phase', 'connected');
      await expect(page.getByText('Network: custom (from your settings)')).toBeVisible();
      // The node itself saw the browser take a relay slot on it.
      await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true');
      await expect(reserved).resolves.toMatch(/ relay reservation for \/ip4\/127\.0\.0\.1\//);

      // Settings live in localStorage: a reload uses the same node again.
      await page.reload();
      await expect(status).toHaveText('Connected to 1 Samen node');
    });
  }
});
