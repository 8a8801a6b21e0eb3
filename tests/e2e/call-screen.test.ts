/**
 * The call screen as a call app: on a phone (portrait and landscape) the "Call controls" bar is
 * on screen without scrolling and every control is a 44 px touch target; the chat opens as a
 * sheet there and beside the video on a laptop; joins, leaves and mutes are announced in a
 * polite live region; the keyboard shortcuts work and are listed.
 */
import { type Browser, type BrowserContextOptions, type Page } from '@playwright/test';
import { expect, sharedUrl, test } from './fixtures.ts';
import { expectDirectWith, joinByMouse, ownPeerId, uniquePassphrase } from './helpers.ts';

const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true
};
const PHONE_LANDSCAPE: BrowserContextOptions = { ...PHONE, viewport: { width: 844, height: 390 } };

/** WCAG 2.5.5 (AAA) and the platforms' own guidance: 44 × 44 CSS px. */
const TOUCH_TARGET_PX = 44;

async function open(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(sharedUrl());
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true');
  return page;
}

async function twoInACall(browser: Browser, options: BrowserContextOptions) {
  const [a, b] = await Promise.all([open(browser, options), open(browser)]);
  const passphrase = uniquePassphrase();
  await Promise.all([joinByMouse(a, passphrase), joinByMouse(b, passphrase)]);
  const [idA, idB] = await Promise.all([ownPeerId(a), ownPeerId(b)]);
  await Promise.all([expectDirectWith(a, [idB]), expectDirectWith(b, [idA])]);
  return { a, b, idA, idB };
}

/** Whether the page scrolls at all (it must not: the call fills the window). */
function scrolls(page: Page): Promise<boolean> {
  return page.evaluate(
    () =>
      document.scrollingElement!.scrollHeight > window.innerHeight ||
      document.scrollingElement!.scrollWidth > window.innerWidth
  );
}

async function expectControlsOnScreen(page: Page): Promise<void> {
  const toolbar = page.getByRole('toolbar', { name: 'Call controls' });
  await expect(toolbar).toBeInViewport({ ratio: 1 });
  expect(await scrolls(page)).toBe(false);
  const controls = toolbar.getByRole('button');
  const names = ['Microphone', 'Camera', 'Share screen', 'Chat', 'People', 'More options', 'Leave'];
  for (const name of names) {
    const control = toolbar.getByRole('button', { name });
    await expect(control).toBeInViewport({ ratio: 1 });
    const box = (await control.boundingBox())!;
    expect({
      name,
      width: box.width >= TOUCH_TARGET_PX,
      height: box.height >= TOUCH_TARGET_PX
    }).toEqual({
      name,
      width: true,
      height: true
    });
  }
  expect(await controls.count()).toBe(names.length);
}

test.describe('the call screen', () => {
  test('on a phone held upright, the controls are on screen without scrolling and Leave works', async ({
    browser
  }) => {
    const { a, b, idA } = await twoInACall(browser, PHONE);
    await expectControlsOnScreen(a);
    // The toggles keep their contract.
    const toolbar = a.getByRole('toolbar', { name: 'Call controls' });
    await expect(toolbar.getByRole('button', { name: 'Microphone' })).toHaveAttribute(
      'aria-pressed',
      'true'
    );
    await expect(toolbar.getByRole('button', { name: 'Camera' })).toHaveAttribute(
      'aria-pressed',
      'false'
    );
    await expect(toolbar.getByRole('button', { name: 'Share screen' })).toHaveAttribute(
      'aria-pressed',
      'false'
    );

    // The chat opens as a sheet over the video, with its field on screen; Escape closes it.
    await expect(a.getByRole('textbox', { name: 'Message' })).toHaveCount(0);
    await toolbar.getByRole('button', { name: 'Chat' }).tap();
    await expect(toolbar.getByRole('button', { name: 'Chat' })).toHaveAttribute(
      'aria-expanded',
      'true'
    );
    await expect(a.getByRole('textbox', { name: 'Message' })).toBeInViewport({ ratio: 1 });
    await expect(a.getByRole('button', { name: 'Send' })).toBeInViewport({ ratio: 1 });
    await expect(toolbar).toBeInViewport({ ratio: 1 });
    expect(await scrolls(a)).toBe(false);
    await a.getByRole('textbox', { name: 'Message' }).press('Escape');
    await expect(a.getByRole('textbox', { name: 'Message' })).toHaveCount(0);

    await toolbar.getByRole('button', { name: 'Leave' }).tap();
    await expect(a).toHaveURL(new URL('/', sharedUrl()).href);
    await expect(b.locator(`[data-testid="participant"][data-peer="${idA}"]`)).toHaveAttribute(
      'data-state',
      'left',
      { timeout: 10_000 }
    );
  });

  test('on a phone held sideways, the controls are on screen without scrolling', async ({
    browser
  }) => {
    const { a } = await twoInACall(browser, PHONE_LANDSCAPE);
    await expectControlsOnScreen(a);
    await a.getByRole('button', { name: 'People' }).tap();
    await expect(a.getByRole('heading', { name: 'People' })).toBeInViewport();
    expect(await scrolls(a)).toBe(false);
  });

  test('on a laptop the chat is open beside the video, and People lists everyone', async ({
    browser
  }) => {
    const { a, idA, idB } = await twoInACall(browser, { viewport: { width: 1280, height: 800 } });
    expect(await scrolls(a)).toBe(false);
    const chat = a.getByRole('complementary', { name: 'Chat' });
    await expect(chat.getByRole('textbox', { name: 'Message' })).toBeVisible();
    const stage = (await a.getByRole('region', { name: 'Video of the call' }).boundingBox())!;
    const panel = (await chat.boundingBox())!;
    expect(panel.x).toBeGreaterThanOrEqual(stage.x + stage.width);

    await a.getByRole('button', { name: 'People' }).click();
    const people = a.getByRole('complementary', { name: 'People' });
    await expect(people.getByTestId('person')).toHaveCount(2);
    await expect(people.locator(`[data-peer="${idA}"]`)).toContainText(`You (${idA.slice(-6)})`);
    await expect(people.locator(`[data-peer="${idB}"]`)).toContainText(
      `Participant ${idB.slice(-6)}`
    );
  });

  test('joins, mutes and leaves are announced in a polite live region', async ({ browser }) => {
    const { a, b, idB } = await twoInACall(browser, {});
    const region = a.getByTestId('announcements');
    await expect(region).toHaveAttribute('role', 'status');
    await expect(region).toHaveAttribute('aria-live', 'polite');
    const name = `Participant ${idB.slice(-6)}`;
    await expect(region).toContainText(`${name} joined`);

    // B's own M shortcut mutes; A hears of it.
    await b.locator('body').press('m');
    await expect(b.getByRole('button', { name: 'Microphone' })).toHaveAttribute(
      'aria-pressed',
      'false'
    );
    await expect(b.getByTestId('announcements')).toContainText('Your microphone is off');
    await expect(region).toContainText(`${name} muted their microphone`);
    await b.locator('body').press('m');
    await expect(region).toContainText(`${name} turned their microphone on`);

    await b.getByRole('button', { name: 'Leave' }).click();
    await expect(region).toContainText(`${name} left`, { timeout: 10_000 });
  });

  test('the keyboard shortcuts toggle the camera, are not taken while typing, and are listed', async ({
    browser
  }) => {
    const { a } = await twoInACall(browser, {});
    const camera = a.getByRole('button', { name: 'Camera' });
    await expect(camera).toHaveAttribute('aria-keyshortcuts', 'V');
    await expect(a.getByRole('button', { name: 'Microphone' })).toHaveAttribute(
      'aria-keyshortcuts',
      'M'
    );
    await a.locator('body').press('v');
    await expect(camera).toHaveAttribute('aria-pressed', 'true');

    // Typed into the chat, "v" and "m" are letters.
    await a.getByRole('textbox', { name: 'Message' }).pressSequentially('vm');
    await expect(a.getByRole('textbox', { name: 'Message' })).toHaveValue('vm');
    await expect(camera).toHaveAttribute('aria-pressed', 'true');
    await expect(a.getByRole('button', { name: 'Microphone' })).toHaveAttribute(
      'aria-pressed',
      'true'
    );

    await a.getByRole('button', { name: 'More options' }).click();
    await a.getByRole('menuitem', { name: 'Keyboard shortcuts' }).click();
    const dialog = a.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('row')).toHaveText([
      /M\s*Microphone on or off/,
      /V\s*Camera on or off/,
      /\?\s*This list/,
      /Esc\s*Close the chat or the list of people/,
      /←\s*→\s*Move between the call controls/
    ]);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  });

  test('the speaker view shows a pinned participant large, and Safe calling opens in the call', async ({
    browser
  }) => {
    const { a, idB } = await twoInACall(browser, {});
    const tile = a.locator(`[data-testid="participant"][data-peer="${idB}"]`);
    const pin = tile.getByRole('button', { name: `Pin Participant ${idB.slice(-6)}` });
    await pin.click();
    await expect(pin).toHaveAttribute('aria-pressed', 'true');
    await expect(a.getByRole('button', { name: 'Speaker view' })).toHaveAttribute(
      'aria-pressed',
      'true'
    );
    await pin.click();
    await expect(a.getByRole('button', { name: 'Speaker view' })).toHaveAttribute(
      'aria-pressed',
      'false'
    );

    await a.getByRole('button', { name: 'Safety tips' }).click();
    const dialog = a.getByRole('dialog', { name: 'Safe calling' });
    await expect(dialog.getByRole('listitem')).toHaveCount(9);
    await expect(a).toHaveURL(/\/call$/);
  });
});
