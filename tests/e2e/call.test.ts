/**
 * Passphrase rendezvous and admission, end to end: real Chromium pages, each in its own browser
 * context (its own storage, its own libp2p node and peer ID), meet on the local network by
 * passphrase, prove it to each other and connect directly over WebRTC. Every test uses a
 * passphrase of its own, so the DHT records of one test never meet another's.
 */
import { startLocalStack, type LocalStack } from '../../scripts/local-stack.ts';
import { startPlainNetwork, type PlainNetwork } from '../support/plain-libp2p.ts';
import { expect, sharedUrl, test } from './fixtures.ts';
import {
  expectDirectWith,
  expectNoAlerts,
  INTRUDER_NOTICE,
  joinByMouse,
  joinFullMesh,
  ownPeerId,
  peerConnectionStates,
  PIN_MISMATCH,
  tabTo,
  uniquePassphrase
} from './helpers.ts';
import { DIRECT_TIMEOUT_MS, LEFT_TIMEOUT_MS, STILL_QUIET_MS } from './timeouts.ts';

test.describe('a call by passphrase on the local network', () => {
  test('two people with the same passphrase meet and connect directly', async ({ openApp }) => {
    const passphrase = uniquePassphrase();
    const [a, b] = await Promise.all([openApp(), openApp()]);
    await Promise.all([joinByMouse(a, passphrase), joinByMouse(b, passphrase)]);
    const [idA, idB] = await Promise.all([ownPeerId(a), ownPeerId(b)]);
    expect(idA).not.toBe(idB);

    await Promise.all([expectDirectWith(a, [idB]), expectDirectWith(b, [idA])]);
    await expectNoAlerts(a);
    await expectNoAlerts(b);
  });

  test('three people with the same passphrase form a full mesh', async ({ openApp }) => {
    const passphrase = uniquePassphrase();
    const pages = await Promise.all([0, 1, 2].map(() => openApp()));
    await joinFullMesh(pages, passphrase);
    for (const page of pages) {
      await expectNoAlerts(page);
    }
  });

  test('a wrong PIN is refused on both sides and reported to both', async ({ openApp }) => {
    const passphrase = uniquePassphrase();
    const [host, joiner] = await Promise.all([openApp(), openApp()]);
    await joinByMouse(host, passphrase, '1234');
    // The host is in the call and announced before the joiner arrives: the joiner finds it.
    await expect(host.getByTestId('call-step')).toHaveAttribute('data-step', 'looking');
    await joinByMouse(joiner, passphrase, '4321');

    // The one who dialled could not verify the host; the host saw a failed attempt to get in.
    await expect(joiner.getByRole('alert')).toContainText(PIN_MISMATCH, {
      timeout: DIRECT_TIMEOUT_MS
    });
    await expect(host.getByRole('alert')).toContainText(INTRUDER_NOTICE);

    // Nobody was let in, and nothing goes on behind the notices: a moment later still nobody.
    await host.waitForTimeout(STILL_QUIET_MS);
    for (const page of [host, joiner]) {
      await expect(page.locator('[data-testid="participant"][data-state="direct"]')).toHaveCount(0);
      await expect(page.getByTestId('call-step')).not.toHaveAttribute('data-step', 'connected');
    }
  });

  test('Leave ends the call for the other and closes every connection', async ({ openApp }) => {
    const passphrase = uniquePassphrase();
    const [stayer, leaver] = await Promise.all([
      openApp({ trackPeerConnections: true }),
      openApp({ trackPeerConnections: true })
    ]);
    await Promise.all([joinByMouse(stayer, passphrase), joinByMouse(leaver, passphrase)]);
    const [stayerId, leaverId] = await Promise.all([ownPeerId(stayer), ownPeerId(leaver)]);
    await Promise.all([expectDirectWith(stayer, [leaverId]), expectDirectWith(leaver, [stayerId])]);
    // The direct connection is a WebRTC peer connection in each page.
    expect(await peerConnectionStates(leaver)).toContain('connected');
    expect(await peerConnectionStates(stayer)).toContain('connected');

    await leaver.getByRole('button', { name: 'Leave' }).click();

    // The leaver is back on the start page, ready for another call.
    await expect(leaver).toHaveURL(new URL('/', sharedUrl()).href);
    await expect(leaver.getByRole('button', { name: 'Join call' })).toBeEnabled();
    // Every peer connection it opened is closed.
    await expect.poll(() => peerConnectionStates(leaver)).not.toContain('connected');
    expect(new Set(await peerConnectionStates(leaver))).toEqual(new Set(['closed']));

    // The other sees them leave, and keeps no connection to them.
    await expect(
      stayer.locator(`[data-testid="participant"][data-peer="${leaverId}"]`)
    ).toHaveAttribute('data-state', 'left', { timeout: LEFT_TIMEOUT_MS });
    await expect.poll(() => peerConnectionStates(stayer)).not.toContain('connected');
    expect(new Set(await peerConnectionStates(stayer))).toEqual(new Set(['closed']));
    await expect(stayer.getByRole('button', { name: 'Leave' })).toBeVisible();
    await expectNoAlerts(stayer);

    // Back on the call page (history, so the app's state is kept): the call has ended.
    await leaver.goBack();
    await expect(leaver).toHaveURL(/\/call$/);
    await expect(leaver.getByTestId('call-step')).toHaveAttribute('data-step', 'ended');
    await expect(leaver.getByTestId('call-step')).toHaveText('Call ended');
    await expect(leaver.getByRole('button', { name: 'Leave' })).toHaveCount(0);
  });

  test('joining with the keyboard alone', async ({ openApp }) => {
    const passphrase = uniquePassphrase();
    const [keyboard, mouse] = await Promise.all([openApp(), openApp()]);

    const field = keyboard.getByRole('textbox', { name: 'Passphrase', exact: true });
    await tabTo(keyboard, field, 15);
    await keyboard.keyboard.type(passphrase);
    await expect(field).toHaveValue(passphrase);
    // Past Generate, the passphrase's Copy/Share/QR code/two messages, the PIN and Generate PIN,
    // the Sensitive conversation switch and the microphone and camera choices.
    await tabTo(keyboard, keyboard.getByRole('button', { name: 'Join call' }), 12);
    await keyboard.keyboard.press('Enter');
    await expect(keyboard).toHaveURL(/\/call$/);

    await joinByMouse(mouse, passphrase);
    const [keyboardId, mouseId] = await Promise.all([ownPeerId(keyboard), ownPeerId(mouse)]);
    await Promise.all([
      expectDirectWith(keyboard, [mouseId]),
      expectDirectWith(mouse, [keyboardId])
    ]);
    await expectNoAlerts(keyboard);
  });
});

test.describe('a call on a plain js-libp2p network (no Samen node)', () => {
  let network: PlainNetwork | undefined;
  let stack: LocalStack | undefined;

  test.beforeAll(async () => {
    network = await startPlainNetwork(3);
    stack = await startLocalStack({
      port: 0,
      nodes: 0,
      networkJsonOverride: JSON.stringify({ name: 'plain', bootstrap: network.bootstrap })
    });
  });

  test.afterAll(async () => {
    await stack?.stop();
    await network?.stop();
  });

  test('two people meet through its DHT and relays and connect directly', async ({ openApp }) => {
    const passphrase = uniquePassphrase();
    const [a, b] = await Promise.all([openApp({ url: stack!.url }), openApp({ url: stack!.url })]);
    await expect(a.getByText('Network: plain (from this site)')).toBeVisible();
    await expect(a.getByTestId('network-status')).toHaveText('Connected to 3 Samen nodes');

    await Promise.all([joinByMouse(a, passphrase), joinByMouse(b, passphrase)]);
    const [idA, idB] = await Promise.all([ownPeerId(a), ownPeerId(b)]);
    await Promise.all([expectDirectWith(a, [idB]), expectDirectWith(b, [idA])]);
    await expectNoAlerts(a);
    await expectNoAlerts(b);
    // The relays that carried the rendezvous are the plain nodes: each page holds a reservation.
    const reserved = network!.nodes.reduce(
      (sum, node) => sum + node.services.relay.reservations.size,
      0
    );
    expect(reserved).toBeGreaterThanOrEqual(2);
  });
});
