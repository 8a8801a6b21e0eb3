/**
 * One face for a page in either engine, so that the cross-engine tests drive a Chromium page
 * (Playwright) and a Firefox page (puppeteer-core over WebDriver BiDi) with the same helpers.
 * Elements are found as users and assistive technology find them: by role and accessible name
 * (UI-CONTRACT.md), or by the contract's data-testid attributes inside the page. Waiting is the
 * caller's: `expect.poll` on what these read. Used by the e2e tests and the benchmarks.
 */
import type { Page as PlaywrightPage } from '@playwright/test';
import type { Page as PuppeteerPage } from 'puppeteer-core';

export type Engine = 'chromium' | 'firefox';

/** The roles the tests look elements up by. */
export type Role = 'button' | 'link' | 'textbox' | 'heading' | 'radio' | 'combobox' | 'navigation';

export interface EnginePage {
  readonly engine: Engine;
  /** Runs `fn` in the page with one JSON-serialisable argument and returns its result. */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Clicks the element with this role and exact accessible name, once it can be clicked. */
  click(role: Role, name: string): Promise<void>;
  /** Types `value` into the field with this role and exact accessible name, replacing its text. */
  fill(role: Role, name: string, value: string): Promise<void>;
  /** An attribute of the element with this role and exact name; undefined while there is none. */
  attribute(role: Role, name: string, attribute: string): Promise<string | null | undefined>;
  /** The current value of the form field with this role and exact accessible name. */
  value(role: Role, name: string): Promise<string>;
  /** Moves the keyboard focus to the element with this role and exact accessible name. */
  focus(role: Role, name: string): Promise<void>;
  /** Presses (`down`) or releases (`up`) a key, as a person at the keyboard (a trusted event). */
  key(action: 'down' | 'up', key: 'Enter'): Promise<void>;
  /** Whether an element with this role and exact name is shown. */
  isVisible(role: Role, name: string): Promise<boolean>;
  url(): string;
}

/** A Chromium page of the `openApp` fixture. */
export function chromiumPage(page: PlaywrightPage): EnginePage {
  const byRole = (role: Role, name: string) => page.getByRole(role, { name, exact: true });
  return {
    engine: 'chromium',
    evaluate: (fn, arg) => page.evaluate(fn, arg as never),
    click: (role, name) => byRole(role, name).click(),
    fill: (role, name, value) => byRole(role, name).fill(value),
    attribute: async (role, name, attribute) => {
      const element = byRole(role, name);
      return (await element.count()) === 0 ? undefined : element.getAttribute(attribute);
    },
    value: (role, name) => byRole(role, name).inputValue(),
    focus: (role, name) => byRole(role, name).focus(),
    key: (action, key) => page.keyboard[action](key),
    isVisible: (role, name) => byRole(role, name).isVisible(),
    url: () => page.url()
  };
}

/** puppeteer's selector for role and accessible name (its ARIA query handler). */
function ariaSelector(role: Role, name: string): string {
  return `::-p-aria([name=${JSON.stringify(name)}][role=${JSON.stringify(role)}])`;
}

/** A Firefox page of the `openFirefox` fixture. */
export function firefoxPage(page: PuppeteerPage): EnginePage {
  return {
    engine: 'firefox',
    evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => never, arg),
    click: (role, name) => page.locator(ariaSelector(role, name)).click(),
    fill: (role, name, value) => page.locator(ariaSelector(role, name)).fill(value),
    attribute: async (role, name, attribute) => {
      const element = await page.$(ariaSelector(role, name));
      if (element === null) {
        return undefined;
      }
      try {
        return await element.evaluate((node, a) => node.getAttribute(a), attribute);
      } finally {
        await element.dispose();
      }
    },
    value: (role, name) =>
      page
        .locator(ariaSelector(role, name))
        .map((field) => (field as HTMLInputElement | HTMLTextAreaElement).value)
        .wait(),
    focus: async (role, name) => {
      await page
        .locator(ariaSelector(role, name))
        .map((element) => (element as HTMLElement).focus())
        .wait();
    },
    key: (action, key) => page.keyboard[action](key),
    isVisible: async (role, name) => {
      const element = await page.$(ariaSelector(role, name));
      if (element === null) {
        return false;
      }
      try {
        return await element.isVisible();
      } finally {
        await element.dispose();
      }
    },
    url: () => page.url()
  };
}
