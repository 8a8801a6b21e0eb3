import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './scripts/chromium.ts';
import { EXPECT_TIMEOUT_MS, TEST_TIMEOUT_MS } from './tests/e2e/timeouts.ts';

/**
 * End-to-end tests in Debian's Chromium (never a downloaded browser), with a fake camera and
 * microphone. The global setup builds the app if needed and starts the local stack (Samen nodes
 * and the static server) on 127.0.0.1; `npm run test:e2e` runs all of it in a loopback-only
 * network namespace when it can (scripts/isolated.ts). tests/e2e/firefox.test.ts adds Debian's
 * firefox-esr beside Chromium, driven by puppeteer-core (firefox-fixtures.ts), in the same run.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: TEST_TIMEOUT_MS,
  expect: { timeout: EXPECT_TIMEOUT_MS },
  // Each test drives several browser contexts with live WebRTC; two cores fit one such test.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  globalSetup: './tests/e2e/global-setup.ts',
  use: {
    browserName: 'chromium',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath(),
      args: [...CHROMIUM_ARGS]
    }
  }
});
