import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  scheduleUpdateChecks,
  UPDATE_CHECK_INTERVAL_MS,
  UPDATE_CHECK_MIN_GAP_MS
} from '../../src/lib/update-checks.ts';

/** A page whose visibility the test sets, firing `visibilitychange` as a browser does. */
class FakePage extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
  listeners = 0;

  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners--;
    super.removeEventListener(...args);
  }

  show(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

const HOUR = UPDATE_CHECK_INTERVAL_MS;

describe('scheduleUpdateChecks', () => {
  let page: FakePage;
  let checks: number;
  const check = async () => {
    checks++;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    page = new FakePage();
    checks = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks once an hour while the page stays visible, not before', async () => {
    scheduleUpdateChecks({ check, page });
    await vi.advanceTimersByTimeAsync(HOUR - 1);
    expect(checks).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(checks).toBe(1);
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(checks).toBe(3);
  });

  it('checks when the page becomes visible again, not while it is hidden', async () => {
    scheduleUpdateChecks({ check, page });
    await vi.advanceTimersByTimeAsync(UPDATE_CHECK_MIN_GAP_MS);
    page.show('hidden');
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(checks).toBe(0);
    page.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(checks).toBe(1);
  });

  it('does not check again within a minute of the last check, however often the page is shown', async () => {
    scheduleUpdateChecks({ check, page });
    // Registering has just checked: coming back at once asks nothing.
    page.show('hidden');
    page.show('visible');
    await vi.advanceTimersByTimeAsync(UPDATE_CHECK_MIN_GAP_MS - 1);
    page.show('hidden');
    page.show('visible');
    expect(checks).toBe(0);

    await vi.advanceTimersByTimeAsync(1);
    page.show('hidden');
    page.show('visible');
    page.show('hidden');
    page.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(checks).toBe(1);
  });

  it('starts no check while the previous one is still running', async () => {
    let finish: () => void = () => {};
    const slow = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    scheduleUpdateChecks({ check: slow, page });
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(slow).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(slow).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(slow).toHaveBeenCalledTimes(2);
  });

  it('keeps checking after a check fails (offline)', async () => {
    const failing = vi.fn(() => Promise.reject(new TypeError('Failed to update a ServiceWorker')));
    scheduleUpdateChecks({ check: failing, page });
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(failing).toHaveBeenCalledTimes(3);
  });

  it('stops checking and removes its listener when the signal aborts', async () => {
    const stop = new AbortController();
    scheduleUpdateChecks({ check, page, signal: stop.signal });
    expect(page.listeners).toBe(1);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(checks).toBe(1);
    stop.abort();
    expect(page.listeners).toBe(0);
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    page.show('hidden');
    page.show('visible');
    expect(checks).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('schedules nothing when the signal has already aborted', async () => {
    scheduleUpdateChecks({ check, page, signal: AbortSignal.abort() });
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(checks).toBe(0);
    expect(page.listeners).toBe(0);
  });
});
