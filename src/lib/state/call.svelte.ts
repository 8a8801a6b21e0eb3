/**
 * The call as UI state: the current step, the participants and the alerts, as plain snapshots
 * of the core's `Call` (which, with its node and connections, stays out of reactive state).
 * One call at a time; the passphrase goes straight to the core and is not kept here.
 */
import { SvelteSet } from 'svelte/reactivity';
import type { Call } from '$p2p/call/index.ts';
import type { CallStep, ChatEntry, ParticipantSnapshot } from '$p2p/call/types.ts';
import type { PathStats } from '$p2p/stats.ts';
import { withAlert, type Alert } from '$lib/alerts.ts';
import { localDevices, type LocalDevices } from './media.svelte.ts';
import { network, type NetworkState } from './network.svelte.ts';
import { settings, type Settings } from './settings.svelte.ts';

export type { Alert } from '$lib/alerts.ts';

/** How many chat messages the page keeps (the oldest go first). */
export const CHAT_SHOWN = 500;

/** After this long with nobody found, the page says so and what to check. */
export const NOBODY_YET_AFTER_MS = 20_000;

export class CallState {
  #active = $state(false);
  #step = $state<CallStep | undefined>(undefined);
  #participants = $state.raw<readonly ParticipantSnapshot[]>([]);
  #alerts = $state.raw<readonly Alert[]>([]);
  #nobodyYet = $state(false);
  #leaving = $state(false);
  #selfId = $state<string | undefined>(undefined);
  #chat = $state.raw<readonly ChatEntry[]>([]);
  #chatProblem = $state<string | undefined>(undefined);
  #sensitive = $state(false);
  /**
   * Safety words the user marked as compared, as "<peer ID> <words>", for this call only: new
   * words for the same peer (after a reconnection, a new key) are to be compared again.
   */
  readonly #verified = new SvelteSet<string>();

  readonly #network: NetworkState;
  readonly #devices: LocalDevices;
  readonly #settings: Settings;
  #call: Call | undefined;
  #nextAlertId = 1;
  // Bookkeeping only, never rendered: a reactive SvelteMap would track reads for nothing.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #seenAlerts = new Map<string, true>();
  #nobodyTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(networkState: NetworkState, devices: LocalDevices, userSettings: Settings) {
    this.#network = networkState;
    this.#devices = devices;
    this.#settings = userSettings;
    // A closed tab (or a reload, or a navigation away) leaves the call and says goodbye, so the
    // others see "left" at once rather than "reconnecting".
    globalThis.addEventListener?.('pagehide', () => void this.leave());
  }

  get active(): boolean {
    return this.#active;
  }
  get step(): CallStep | undefined {
    return this.#step;
  }
  get participants(): readonly ParticipantSnapshot[] {
    return this.#participants;
  }
  get alerts(): readonly Alert[] {
    return this.#alerts;
  }
  get nobodyYet(): boolean {
    return this.#nobodyYet;
  }
  get leaving(): boolean {
    return this.#leaving;
  }
  get selfId(): string | undefined {
    return this.#selfId;
  }
  /** The chat of this call, oldest first: in memory only, gone with the call. */
  get chat(): readonly ChatEntry[] {
    return this.#chat;
  }
  /** The `name` of the error of the last message that could not be sent, if any. */
  get chatProblem(): string | undefined {
    return this.#chatProblem;
  }
  /**
   * Joined as a sensitive conversation (the start page's switch): the call screen reminds the
   * user to compare the safety words before speaking, until they have.
   */
  get sensitive(): boolean {
    return this.#sensitive;
  }
  isVerified(peerId: string): boolean {
    const key = this.#verifiedKey(peerId);
    return key !== undefined && this.#verified.has(key);
  }

  #verifiedKey(peerId: string): string | undefined {
    const words = this.#participants.find((p) => p.peerId === peerId)?.safetyWords;
    return words === undefined ? undefined : `${peerId} ${words.join(' ')}`;
  }

  /** The connection path to a participant (the tile's "Connection" panel); undefined if none. */
  pathStats(peerId: string): Promise<PathStats | undefined> {
    return this.#call?.pathStats(peerId) ?? Promise.resolve(undefined);
  }

  /** Remembers, for this call, that the user compared a participant's safety words aloud. */
  markVerified(peerId: string): void {
    const key = this.#verifiedKey(peerId);
    if (key !== undefined) {
      this.#verified.add(key);
    }
  }

  /**
   * Sends a chat message to everyone in the call.
   * Resolves with whether it was sent; a failure is kept in `chatProblem` for the UI.
   */
  async sendChat(text: string): Promise<boolean> {
    const call = this.#call;
    if (call === undefined || text.trim() === '') {
      return false;
    }
    try {
      await call.sendChat(text);
      this.#chatProblem = undefined;
      return true;
    } catch (err) {
      this.#chatProblem = (err as Error).name;
      return false;
    }
  }

  /**
   * Starts a call. Resolves once the call has started looking for the others; failures before
   * that (a bad passphrase, no network) are shown as alerts and end the call.
   */
  async join(
    passphrase: string,
    pin: string,
    options: { sensitive?: boolean } = {}
  ): Promise<void> {
    await this.leave();
    this.#sensitive = options.sensitive === true;
    const profile = this.#network.profile;
    if (profile === undefined) {
      this.#alert({ errorName: 'NetworkUnreachableError' });
      return;
    }
    const { Call } = await import('$p2p/call/index.ts');
    const mediaPath = this.#settings.mediaPath;
    let node = this.#network.takeNode();
    if (node !== undefined && node.mediaPath !== mediaPath) {
      // Warmed before the setting changed: its WebRTC would not follow it.
      void node.stop();
      node = undefined;
    }
    const call = new Call({ passphrase, pin, network: profile, node, mediaPath });
    this.#call = call;
    this.#active = true;
    this.#alerts = [];
    this.#seenAlerts.clear();
    this.#participants = [];
    this.#chat = [];
    this.#chatProblem = undefined;
    this.#verified.clear();
    // A new call has a new peer ID: the last call's is not ours any more.
    this.#selfId = undefined;
    this.#step = call.step;
    call.addEventListener('step', (event) => {
      this.#step = event.detail;
      this.#selfId = call.peerId;
      this.#armNobodyYet();
    });
    call.addEventListener('participants', (event) => {
      this.#participants = event.detail;
    });
    call.addEventListener('security', (event) => {
      this.#alert({ security: event.detail });
    });
    call.addEventListener('chat', (event) => {
      // The page keeps the latest CHAT_SHOWN messages: a long call does not grow without end.
      this.#chat = [...this.#chat, event.detail].slice(-CHAT_SHOWN);
    });
    // Every change of track or mute goes to every participant.
    this.#devices.connect((tracks) => call.setLocalMedia(tracks));
    try {
      await call.start();
      this.#selfId = call.peerId;
      // The microphone (and the camera, if chosen) start once the call is looking for the
      // others: nobody can hear it before, and the key derivation has the processor to itself.
      if (this.#call === call) {
        void this.#devices.start();
      }
    } catch (err) {
      if (this.#call === call) {
        this.#alert({ errorName: (err as Error).name });
        this.#step = 'ended';
        this.#call = undefined;
        this.#active = false;
        this.#devices.stopAll();
        this.#network.start();
      }
    }
  }

  /** Leaves the call: every track, stream and connection ends; a fresh node is warmed. */
  async leave(): Promise<void> {
    const call = this.#call;
    if (call === undefined) {
      return;
    }
    this.#call = undefined;
    this.#leaving = true;
    clearTimeout(this.#nobodyTimer);
    // Hang-up stops every track: the camera light goes out at once.
    this.#devices.stopAll();
    try {
      await call.leave();
    } finally {
      this.#leaving = false;
      this.#active = false;
      this.#step = 'ended';
      this.#participants = call.participants;
      this.#nobodyYet = false;
      this.#network.start();
    }
  }

  dismiss(id: number): void {
    this.#alerts = this.#alerts.filter((alert) => alert.id !== id);
  }

  #alert(alert: Omit<Alert, 'id' | 'count'>): void {
    this.#alerts = withAlert(this.#alerts, this.#seenAlerts, alert, () => this.#nextAlertId++);
  }

  #armNobodyYet(): void {
    clearTimeout(this.#nobodyTimer);
    this.#nobodyYet = false;
    if (this.#step === 'looking') {
      this.#nobodyTimer = setTimeout(() => {
        this.#nobodyYet = this.#step === 'looking';
      }, NOBODY_YET_AFTER_MS);
    }
  }
}

export const call = new CallState(network, localDevices, settings);
