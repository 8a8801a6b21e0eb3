/**
 * Invitations and the Sensitive conversation switch on the start page: Copy puts the passphrase
 * on the clipboard, the QR code holds it as text, "Invite in two messages" composes the address
 * with the passphrase and, apart, the PIN (generated when there was none); a short or famous
 * passphrase is warned about; the switch turns on a PIN, microphone and camera off, the reminder
 * in the call until the safety words are compared, and "always relay" when there is TURN.
 */
import { type Browser, type BrowserContextOptions, type Page } from '@playwright/test';
import { expect, sharedUrl, test } from './fixtures.ts';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack.ts';
import { expectDirectWith, ownPeerId, uniquePassphrase } from './helpers.ts';

async function open(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {}
): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-ready', 'true');
  return page;
}

const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

test.describe('invitations', () => {
  test('the passphrase and PIN fields ask keyboards not to complete, correct, capitalise or learn them', async ({
    page
  }) => {
    await page.goto(sharedUrl());
    for (const name of ['Passphrase', 'Call PIN (optional)']) {
      const field = page.getByRole('textbox', { name, exact: true });
      await expect(field).toHaveAttribute('autocomplete', 'off');
      await expect(field).toHaveAttribute('autocorrect', 'off');
      await expect(field).toHaveAttribute('autocapitalize', 'off');
      await expect(field).toHaveAttribute('spellcheck', 'false');
    }
  });

  test('Copy, the QR code and two messages: the passphrase with the address, the PIN apart', async ({
    browser
  }) => {
    const page = await open(browser, sharedUrl(), {
      permissions: ['clipboard-read', 'clipboard-write']
    });
    const passphrase = 'maple orbit candle fjord parsley';
    await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(passphrase);
    await expect(page.getByTestId('reuse-warning')).toHaveCount(0);

    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await expect(page.getByTestId('passphrase-copy-share').getByRole('status')).toHaveText(
      'Copied.'
    );
    expect(await clipboard(page)).toBe(passphrase);

    // The QR code is drawn on demand, as an image of the passphrase.
    await page.getByRole('button', { name: 'QR code' }).click();
    const qr = page.getByRole('img', { name: 'QR code of the passphrase' });
    await expect(qr).toBeVisible();
    expect(await qr.locator('path').getAttribute('d')).toMatch(/^M\d+ \d+h1v1h-1z/);

    await page.getByRole('button', { name: 'Invite in two messages' }).click();
    const address = new URL('/', sharedUrl()).href;
    const first = page.getByTestId('invite-message-1');
    await expect(first).toHaveText(
      `Let’s talk in a private video call on Samen. Open ${address} and type this passphrase: ${passphrase}`
    );
    // The address never carries the passphrase.
    expect(address).not.toContain('maple');
    // No PIN yet: offered, generated, six digits, in its own message.
    await expect(page.getByTestId('invite-message-2')).toHaveCount(0);
    await page.getByTestId('two-messages').getByRole('button', { name: 'Generate PIN' }).click();
    const pin = await page.getByRole('textbox', { name: /PIN/ }).inputValue();
    expect(pin).toMatch(/^\d{6}$/);
    await expect(page.getByTestId('invite-message-2')).toHaveText(
      `The PIN for our Samen call: ${pin}`
    );
    await expect(first).toContainText('You will get the PIN in another message.');
    await expect(first).not.toContainText(pin);

    await page.getByRole('button', { name: 'Copy message 1' }).click();
    expect(await clipboard(page)).toBe(
      `Let’s talk in a private video call on Samen. Open ${address} and type this passphrase: ${passphrase}\nYou will get the PIN in another message.`
    );
    await page.getByRole('button', { name: 'Copy message 2' }).click();
    expect(await clipboard(page)).toBe(`The PIN for our Samen call: ${pin}`);
  });

  test('a short or famous passphrase is warned about, and the help says to use a fresh one', async ({
    browser
  }) => {
    const page = await open(browser, sharedUrl());
    const field = page.getByRole('textbox', { name: 'Passphrase', exact: true });
    await expect(page.getByText('Use a fresh passphrase for each call.')).toBeVisible();
    await field.fill('summer2024');
    await expect(page.getByTestId('reuse-warning')).toHaveAttribute('data-reason', 'short');
    await field.fill('Correct horse battery staple');
    await expect(page.getByTestId('reuse-warning')).toHaveAttribute('data-reason', 'known');
    await page.getByRole('button', { name: 'Generate passphrase' }).click();
    await expect(page.getByTestId('reuse-warning')).toHaveCount(0);
  });

  test('the microphone choice for joining is asked before Join and remembered', async ({
    browser
  }) => {
    const page = await open(browser, sharedUrl());
    const mic = page.getByRole('switch', { name: /Microphone on/ });
    await expect(mic).toBeChecked();
    await mic.uncheck();
    await page.reload();
    await expect(page.getByRole('switch', { name: /Microphone on/ })).not.toBeChecked();
    await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(uniquePassphrase());
    await page.getByRole('button', { name: 'Join call' }).click();
    await expect(page.getByRole('button', { name: 'Microphone' })).toHaveAttribute(
      'aria-pressed',
      'false'
    );
  });
});

test.describe('Sensitive conversation', () => {
  test('turns on a PIN, microphone and camera off, and the safety-word reminder until compared', async ({
    browser
  }) => {
    const [a, b] = await Promise.all([open(browser, sharedUrl()), open(browser, sharedUrl())]);
    const passphrase = uniquePassphrase();
    await a.getByRole('switch', { name: 'Camera on' }).check();
    await a.getByRole('switch', { name: 'Sensitive conversation' }).check();
    const changes = a.getByTestId('sensitive-changes');
    await expect(changes).toBeVisible();
    const pin = await a.getByRole('textbox', { name: /PIN/ }).inputValue();
    expect(pin).toMatch(/^\d{6}$/);
    await expect(changes.locator('[data-change="pin"]')).toContainText(pin);
    await expect(changes.locator('[data-change="media"]')).toBeVisible();
    await expect(changes.locator('[data-change="safety-words"]')).toBeVisible();
    // The local network has no TURN server: it says the others will see the IP address.
    await expect(changes.locator('[data-change="relay"]')).toHaveAttribute('data-relay', 'no-turn');
    await expect(a.getByRole('switch', { name: /Microphone on/ })).not.toBeChecked();
    await expect(a.getByRole('switch', { name: 'Camera on' })).not.toBeChecked();

    await a.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(passphrase);
    await a.getByRole('button', { name: 'Join call' }).click();
    await b.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(passphrase);
    await b.getByRole('textbox', { name: /PIN/ }).fill(pin);
    await b.getByRole('button', { name: 'Join call' }).click();
    const [idA, idB] = await Promise.all([ownPeerId(a), ownPeerId(b)]);
    await Promise.all([expectDirectWith(a, [idB]), expectDirectWith(b, [idA])]);

    await expect(a.getByRole('button', { name: 'Microphone' })).toHaveAttribute(
      'aria-pressed',
      'false'
    );
    await expect(a.getByRole('button', { name: 'Camera' })).toHaveAttribute(
      'aria-pressed',
      'false'
    );
    const reminder = a.getByTestId('safety-reminder');
    await expect(reminder).toBeVisible({ timeout: 20_000 });
    // Only the sensitive side is reminded.
    await expect(b.getByTestId('safety-reminder')).toHaveCount(0);
    await a.getByRole('button', { name: 'We compared them: they match' }).click();
    await expect(reminder).toHaveCount(0);
  });

  test('turns on "always relay" on a network with a TURN server, and off again', async ({
    browser
  }) => {
    const base = JSON.parse(
      await (await fetch(new URL('network.json', sharedUrl()))).text()
    ) as Record<string, unknown>;
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({
        port: 0,
        nodes: 0,
        networkJsonOverride: JSON.stringify({
          ...base,
          iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }]
        })
      });
      const page = await open(browser, stack.url);
      await page.getByRole('switch', { name: 'Sensitive conversation' }).check();
      await expect(
        page.getByTestId('sensitive-changes').locator('[data-change="relay"]')
      ).toHaveAttribute('data-relay', 'relay');
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Settings' })
        .click();
      await expect(page.getByRole('radio', { name: 'Always relay to hide my IP' })).toBeChecked();
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Call', exact: true })
        .click();
      await page.getByRole('switch', { name: 'Sensitive conversation' }).uncheck();
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Settings' })
        .click();
      // Back to what it was before: the default, automatic.
      await expect(page.getByRole('radio', { name: /^Automatic: straight to each/ })).toBeChecked();
    } finally {
      await stack?.stop();
    }
  });
});
