import { describe, expect, it } from 'vitest';
import { Settings, type SettingsForm } from '../../src/lib/state/settings.svelte.ts';
import { MemoryStorage } from '../support/memory-storage.ts';

const KEY = 'samen.settings.v1';

describe('Settings: media path', () => {
  it('is automatic by default (direct where it can be, through TURN where it cannot)', () => {
    expect.hasAssertions();
    expect(new Settings(new MemoryStorage()).mediaPath).toBe('auto');
    expect(new Settings(undefined).mediaPath).toBe('auto');
  });

  it('keeps "direct only" once saved, and each of the three choices across a reload', () => {
    expect.hasAssertions();
    const storage = new MemoryStorage();
    for (const mediaPath of ['direct', 'relay', 'auto'] as const) {
      new Settings(storage).save({
        network: { kind: 'auto' },
        stun: { kind: 'default' },
        mediaPath
      });
      expect(new Settings(storage).mediaPath).toBe(mediaPath);
    }
  });

  it('remembers "always relay" across a reload, beside the other settings', () => {
    expect.hasAssertions();
    const storage = new MemoryStorage();
    new Settings(storage).save({
      network: { kind: 'public' },
      stun: { kind: 'off' },
      mediaPath: 'relay'
    });
    const stored = JSON.parse(storage.getItem(KEY) ?? '{}') as Record<string, unknown>;
    expect(stored).toEqual({
      version: 1,
      network: { kind: 'public' },
      stun: { kind: 'off' },
      mediaPath: 'relay'
    });
    const again = new Settings(storage);
    expect(again.mediaPath).toBe('relay');
    expect(again.network).toEqual({ kind: 'public' });
    // Saving the other settings alone keeps the choice.
    again.save({ network: { kind: 'auto' }, stun: { kind: 'default' } });
    expect(new Settings(storage).mediaPath).toBe('relay');
  });

  it('reads an entry from before the setting existed, or a damaged one, as automatic', () => {
    expect.hasAssertions();
    const storage = new MemoryStorage();
    storage.setItem(
      KEY,
      JSON.stringify({ version: 1, network: { kind: 'public' }, stun: { kind: 'off' } })
    );
    const old = new Settings(storage);
    expect(old.mediaPath).toBe('auto');
    expect(old.network).toEqual({ kind: 'public' });
    storage.setItem(
      KEY,
      JSON.stringify({
        version: 1,
        network: { kind: 'public' },
        stun: { kind: 'off' },
        mediaPath: 'everywhere'
      })
    );
    expect(new Settings(storage).mediaPath).toBe('auto');
  });
});

describe('Settings: the settings form', () => {
  const PEER = '12D3KooWHFAmoFMxKvMtYZYRy28hvvL67fS7o856VmCs9QpasDGh';
  const WS = `/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`;

  function form(overrides: Partial<SettingsForm> = {}): SettingsForm {
    return { ...new Settings(undefined).form, ...overrides };
  }

  it('starts from the defaults, with the Amino DHT protocol offered for own nodes', () => {
    expect.hasAssertions();
    expect(new Settings(new MemoryStorage()).form).toEqual({
      networkKind: 'auto',
      bootstrapText: '',
      dhtProtocol: '/ipfs/kad/1.0.0',
      stunKind: 'default',
      stunText: '',
      mediaPath: 'auto'
    });
  });

  it('saves own nodes and STUN servers, one per line, blank lines skipped, and shows them again', async () => {
    expect.hasAssertions();
    const storage = new MemoryStorage();
    const settings = new Settings(storage);
    const problem = await settings.submit(
      form({
        networkKind: 'custom',
        bootstrapText: `\n  ${WS}  \n\n`,
        dhtProtocol: ' /org/kad/1.0.0 ',
        stunKind: 'custom',
        stunText: 'stun:stun.example.org:3478\n\nturn:turn.example.org:3478\n',
        mediaPath: 'relay'
      })
    );
    expect(problem).toBeUndefined();
    expect(settings.network).toEqual({
      kind: 'custom',
      bootstrap: [WS],
      dhtProtocol: '/org/kad/1.0.0'
    });
    expect(settings.stun).toEqual({
      kind: 'custom',
      urls: ['stun:stun.example.org:3478', 'turn:turn.example.org:3478']
    });
    expect(new Settings(storage).form).toEqual({
      networkKind: 'custom',
      bootstrapText: WS,
      dhtProtocol: '/org/kad/1.0.0',
      stunKind: 'custom',
      stunText: 'stun:stun.example.org:3478\nturn:turn.example.org:3478',
      mediaPath: 'relay'
    });
  });

  it.each([
    [
      'no bootstrap address',
      { networkKind: 'custom', bootstrapText: ' \n' },
      { kind: 'bootstrap-required' }
    ],
    [
      'an address without a peer ID on line 2',
      { networkKind: 'custom', bootstrapText: `${WS}\n/ip4/127.0.0.1/tcp/1/ws` },
      { kind: 'invalid-address', line: 2 }
    ],
    [
      'an http URL among the STUN servers on line 2',
      { stunKind: 'custom', stunText: 'stun:a:3478\nhttps://stun.example.org' },
      { kind: 'invalid-stun', line: 2 }
    ],
    ['no STUN server', { stunKind: 'custom', stunText: '' }, { kind: 'invalid-stun', line: 1 }]
  ] as const)('refuses %s, saving nothing', async (_, overrides, expected) => {
    expect.hasAssertions();
    const storage = new MemoryStorage();
    const settings = new Settings(storage);
    expect(await settings.submit(form(overrides))).toEqual(expected);
    expect(storage.getItem(KEY)).toBeNull();
    expect(settings.network).toEqual({ kind: 'auto' });
    expect(settings.stun).toEqual({ kind: 'default' });
  });
});
