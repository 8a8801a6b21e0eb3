/**
 * Which network the app uses: a host's malformed network.json (reported, and the public network
 * used instead), and a self-hosted `samen-node` typed into Settings, reached by the browser over
 * WebRTC-direct and over WebSockets. Nothing here leaves loopback.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { BrowserContext, Page } from '@playwright/test';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack.ts';
import { expect, sharedUrl, test } from './fixtures.ts';

/** A started node prints each address on its own line; this marks the ones browsers can dial. */
const BROWSER_ADDRESS = /^\S+ {3}(\/\S+) {3}\(browsers\)$/;

/**
 * The public profile dials the libp2p bootstrap nodes (secure WebSockets by host name). No
 * test may reach past loopback, so everything else is refused, the way an offline browser would.
 */
async function stayOnLoopback(context: BrowserContext): Promise<void> {
  const remote = (url: URL) => url.hostname !== '127.0.0.1';
  await context.route(remote, (route) => route.abort('internetdisconnected'));
  await context.routeWebSocket(remote, (ws) => ws.close());
}

test.describe('network.json from the host', () => {
  let stack: LocalStack | undefined;

  test.beforeAll(async () => {
    stack = await startLocalStack({ port: 0, nodes: 1, networkJsonOverride: '{"name": 1}' });
  });

  test.afterAll(async () => {
    await stack?.stop();
  });

  test('a malformed file is reported and the public network is used instead', async ({
    page,
    context
  }) => {
    await stayOnLoopback(context);
    await page.goto(stack!.url);

    await expect(page.getByRole('alert')).toHaveText(
      'This site’s network.json could not be used ("name" must be a non-empty string of at ' +
        'most 100 chars), so Samen uses the public network instead.'
    );
    await expect(page.getByText('Network: the public libp2p network')).toBeVisible();
    await expect(page.getByTestId('network-status')).toHaveAttribute(
      'data-phase',
      /connecting|unreachable/
    );

    // The rest of the app keeps working.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Settings' })
      .click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await expect(page.getByRole('radio', { name: /^Automatic/ })).toBeChecked();
  });
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
  const child = spawn(process.execPath, ['src/relay/cli.ts', '--port', '0'], {
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
