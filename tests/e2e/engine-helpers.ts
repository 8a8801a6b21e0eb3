/**
 * The call helpers of helpers.ts for a page of either engine (engines.ts): joining, what the call
 * page lists, its media counters, safety words, chat and notices. Everything is read in the page
 * by the UI contract's attributes, and waited for with `expect.poll`.
 */
import type { EnginePage } from '../../scripts/engines.ts';
import { expect } from './fixtures.ts';
import { comparePeerIds, readInbound, type Inbound } from './helpers.ts';
import {
  DIRECT_TIMEOUT_MS,
  MEDIA_RISING_TIMEOUT_MS,
  MEDIA_TIMEOUT_MS,
  RECOVERY_SAMPLE_MS,
  RECOVERY_TIMEOUT_MS,
  RELAY_READY_TIMEOUT_MS
} from './timeouts.ts';

/** How often a poll reads the page again: soon at first, then at most twice a second. */
const POLL_INTERVALS = [100, 250, 500];

/** The text field's accessible name on the start page (messages/en.json `pin_label`). */
const PIN_FIELD = 'Call PIN (optional)';

/** Resolves once the start page holds a relay slot, as `openApp` waits for it. */
export async function expectRelayReady(page: EnginePage): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(
          () =>
            document.querySelector('[data-testid="relay-status"]')?.getAttribute('data-ready') ??
            null
        ),
      { timeout: RELAY_READY_TIMEOUT_MS, intervals: POLL_INTERVALS }
    )
    .toBe('true');
}

/** Types the passphrase (and PIN) and presses Join call. */
export async function join(page: EnginePage, passphrase: string, pin = ''): Promise<void> {
  await page.fill('textbox', 'Passphrase', passphrase);
  if (pin !== '') {
    await page.fill('textbox', PIN_FIELD, pin);
  }
  await page.click('button', 'Join call');
  await expect.poll(() => page.url(), { intervals: POLL_INTERVALS }).toMatch(/\/call$/);
}

/** The value of `attribute` on the first element with this data-testid, null if none. */
export function testIdAttribute(
  page: EnginePage,
  testId: string,
  attribute: string
): Promise<string | null> {
  return page.evaluate(
    ([id, name]) =>
      document.querySelector(`[data-testid="${id}"]`)?.getAttribute(name ?? '') ?? null,
    [testId, attribute]
  );
}

/** How many elements have this data-testid. */
export function testIdCount(page: EnginePage, testId: string): Promise<number> {
  return page.evaluate((id) => document.querySelectorAll(`[data-testid="${id}"]`).length, testId);
}

/** Our own peer ID in the call, as the call page shows it. */
export async function selfPeerId(page: EnginePage): Promise<string> {
  await expect
    .poll(() => testIdAttribute(page, 'self', 'data-peer'), {
      timeout: DIRECT_TIMEOUT_MS,
      intervals: POLL_INTERVALS
    })
    .toMatch(/^12D3Koo\w+$/);
  return (await testIdAttribute(page, 'self', 'data-peer')) ?? '';
}

/** What the page lists: each remote participant's peer ID and state, sorted by peer ID. */
export async function participants(
  page: EnginePage
): Promise<{ peer: string | null; state: string | null }[]> {
  const entries = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid="participant"]')].map((item) => ({
      peer: item.dataset.peer ?? null,
      state: item.dataset.state ?? null
    }))
  );
  return entries.sort((a, b) => comparePeerIds(String(a.peer), String(b.peer)));
}

/** Waits until the page lists exactly `peers`, every one connected directly. */
export async function expectDirect(page: EnginePage, peers: readonly string[]): Promise<void> {
  const expected = [...peers].sort(comparePeerIds).map((peer) => ({ peer, state: 'direct' }));
  await expect
    .poll(() => participants(page), { timeout: DIRECT_TIMEOUT_MS, intervals: POLL_INTERVALS })
    .toEqual(expected);
  await expect
    .poll(() => testIdAttribute(page, 'call-step', 'data-step'), { intervals: POLL_INTERVALS })
    .toBe('connected');
}

/** Joins every page with one passphrase and waits for a full mesh; returns their peer IDs. */
export async function joinAll(pages: readonly EnginePage[], passphrase: string): Promise<string[]> {
  await Promise.all(pages.map((page) => join(page, passphrase)));
  const ids = await Promise.all(pages.map(selfPeerId));
  expect(new Set(ids).size).toBe(pages.length);
  await Promise.all(
    pages.map((page, i) =>
      expectDirect(
        page,
        ids.filter((_, j) => j !== i)
      )
    )
  );
  return ids;
}

/** Inbound media counters of the page (opened with trackPeerConnections). */
export function inboundOf(page: EnginePage): Promise<Inbound> {
  return page.evaluate(readInbound);
}

/** Waits for decoded video frames, then for new frames and new audio packets. */
export async function expectMediaRising(page: EnginePage): Promise<void> {
  await expect
    .poll(() => inboundOf(page).then((i) => i.framesDecoded), {
      timeout: MEDIA_TIMEOUT_MS,
      message: `${page.engine} decodes remote video`
    })
    .toBeGreaterThan(0);
  const first = await inboundOf(page);
  await expect
    .poll(() => inboundOf(page).then((i) => i.framesDecoded), {
      timeout: MEDIA_RISING_TIMEOUT_MS,
      message: `${page.engine} keeps decoding remote video`
    })
    .toBeGreaterThan(first.framesDecoded);
  await expect
    .poll(() => inboundOf(page).then((i) => i.audioPackets), {
      timeout: MEDIA_RISING_TIMEOUT_MS,
      message: `${page.engine} receives remote audio`
    })
    .toBeGreaterThan(first.audioPackets);
}

/** Whether the page decodes new video frames over the next RECOVERY_SAMPLE_MS. */
async function videoRising(page: EnginePage): Promise<boolean> {
  const before = await inboundOf(page);
  await new Promise((resolve) => setTimeout(resolve, RECOVERY_SAMPLE_MS));
  return (await inboundOf(page)).framesDecoded > before.framesDecoded;
}

/** Waits until the page decodes new video frames again (after a cut, within a recovery). */
export async function expectVideoFlowing(page: EnginePage): Promise<void> {
  await expect
    .poll(() => videoRising(page), {
      timeout: RECOVERY_TIMEOUT_MS,
      intervals: [250],
      message: `${page.engine} decodes new video frames`
    })
    .toBe(true);
}

/**
 * How many of the page's peer connections decode video (one per participant who sends it;
 * libp2p's own WebRTC connections carry no media).
 */
export function videoSources(page: EnginePage): Promise<number> {
  return page.evaluate(async () => {
    let decoding = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] })
      .__peerConnections) {
      if (pc.connectionState === 'closed') {
        continue;
      }
      let frames = 0;
      (await pc.getStats()).forEach(
        (report: { type: string; kind?: string } & Record<string, unknown>) => {
          if (report.type === 'inbound-rtp' && report.kind === 'video') {
            frames += Number(report.framesDecoded ?? 0);
          }
        }
      );
      decoding += frames > 0 ? 1 : 0;
    }
    return decoding;
  });
}

/** Waits until audio packets arrive from two participants (a three-person call). */
export async function expectAudioFromBoth(page: EnginePage): Promise<void> {
  const hearing = () =>
    page.evaluate(async () => {
      let from = 0;
      for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] })
        .__peerConnections) {
        if (pc.connectionState === 'closed') {
          continue;
        }
        let packets = 0;
        (await pc.getStats()).forEach(
          (report: { type: string; kind?: string } & Record<string, unknown>) => {
            if (report.type === 'inbound-rtp' && report.kind === 'audio') {
              packets += Number(report.packetsReceived ?? 0);
            }
          }
        );
        from += packets > 0 ? 1 : 0;
      }
      return from;
    });
  await expect
    .poll(hearing, { timeout: MEDIA_TIMEOUT_MS, message: `${page.engine} hears both others` })
    .toBe(2);
}

/** Sends a chat message and waits until the field is cleared (the message taken). */
export async function sendChat(page: EnginePage, text: string): Promise<void> {
  await page.fill('textbox', 'Message', text);
  await page.click('button', 'Send');
  await expect.poll(() => page.value('textbox', 'Message'), { intervals: POLL_INTERVALS }).toBe('');
}

/** The one remote participant's safety words as shown: their numbers and the listed items. */
export async function safetyWords(
  page: EnginePage
): Promise<{ numbers: string | null; words: string[] }> {
  await expect
    .poll(
      () =>
        page.evaluate(
          () =>
            document
              .querySelector('[data-testid="participant"] [data-testid="safety-words"]')
              ?.getAttribute('data-indices') ?? null
        ),
      { timeout: MEDIA_TIMEOUT_MS, intervals: POLL_INTERVALS }
    )
    .toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
  return page.evaluate(() => {
    const element = document.querySelector(
      '[data-testid="participant"] [data-testid="safety-words"]'
    );
    return {
      numbers: element?.getAttribute('data-indices') ?? null,
      words: [...(element?.querySelectorAll('li') ?? [])].map((item) =>
        (item as HTMLElement).innerText.trim()
      )
    };
  });
}

/** The texts of the page's alerts (role="alert"), empty ones left out. */
export function alertTexts(page: EnginePage): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[role="alert"]')]
      .map((alert) => alert.innerText.trim())
      .filter((text) => text !== '')
  );
}

/** How many chat messages of the page's log (role="log") contain `text`. */
export function chatCount(page: EnginePage, text: string): Promise<number> {
  return page.evaluate(
    (wanted) =>
      [
        ...document.querySelectorAll<HTMLElement>('[role="log"] [data-testid="chat-message"]')
      ].filter((message) => message.innerText.includes(wanted)).length,
    text
  );
}

/** The connection states of the page's RTCPeerConnections (trackPeerConnections). */
export function connectionStates(page: EnginePage): Promise<RTCPeerConnectionState[]> {
  return page.evaluate(() =>
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.map(
      (pc) => pc.connectionState
    )
  );
}
