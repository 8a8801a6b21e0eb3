/**
 * How the call screen shows the call, as UI state apart from the call itself: grid or speaker
 * view, who is pinned, which side panel is open, the chat read so far, and the announcements of
 * who joined, left or muted (participantChanges). Nothing here is stored: a new call starts with
 * the defaults.
 */
import { participantChanges, type ParticipantChange } from '$lib/announce.ts';
import type { ParticipantSnapshot } from '$p2p/call/types.ts';

export type StageLayout = 'grid' | 'speaker';
export type CallPanel = 'chat' | 'people' | 'devices';

/** An announcement stays on screen (and in the live region) this long. */
export const ANNOUNCEMENT_MS = 6_000;

/** At most this many announcements are shown at once: a burst (a call of eight) stays short. */
export const MAX_ANNOUNCEMENTS = 3;

/**
 * From this window width up, a call opens with the chat beside the video: a laptop has room for
 * it, and messages are not missed. Narrower (a phone), panels open over the video on request.
 */
export const WIDE_QUERY = '(min-width: 64rem)';

export type Announcement =
  | { readonly id: number; readonly change: ParticipantChange }
  | { readonly id: number; readonly self: 'mic-on' | 'mic-off' | 'camera-on' | 'camera-off' };

export class CallView {
  #layout = $state<StageLayout>('grid');
  #pinned = $state<string | undefined>(undefined);
  #panel = $state<CallPanel | undefined>(undefined);
  #lastSpeaker = $state<string | undefined>(undefined);
  #chatSeen = $state(0);
  #announcements = $state.raw<readonly Announcement[]>([]);
  #previous: readonly ParticipantSnapshot[] = [];
  #nextId = 1;

  get layout(): StageLayout {
    return this.#pinned === undefined ? this.#layout : 'speaker';
  }
  get pinned(): string | undefined {
    return this.#pinned;
  }
  get panel(): CallPanel | undefined {
    return this.#panel;
  }
  get lastSpeaker(): string | undefined {
    return this.#lastSpeaker;
  }
  get announcements(): readonly Announcement[] {
    return this.#announcements;
  }
  /** Chat messages that arrived while the chat was closed. */
  unread(chatLength: number): number {
    return this.#panel === 'chat' ? 0 : Math.max(0, chatLength - this.#chatSeen);
  }

  /** A new call: defaults, with the chat open on a wide window. */
  reset(wide: boolean): void {
    this.#layout = 'grid';
    this.#pinned = undefined;
    this.#panel = wide ? 'chat' : undefined;
    this.#lastSpeaker = undefined;
    this.#chatSeen = 0;
    this.#announcements = [];
    this.#previous = [];
  }

  setLayout(layout: StageLayout): void {
    this.#layout = layout;
    if (layout === 'grid') {
      this.#pinned = undefined;
    }
  }

  /** Pins a participant to the large tile, or unpins whoever is pinned. */
  togglePin(peerId: string): void {
    this.#pinned = this.#pinned === peerId ? undefined : peerId;
  }

  /** Opens a panel, or closes it if it is the one open. */
  togglePanel(panel: CallPanel, chatLength: number): void {
    this.#panel = this.#panel === panel ? undefined : panel;
    this.#markChat(chatLength);
  }

  closePanel(chatLength: number): void {
    this.#markChat(chatLength);
    this.#panel = undefined;
  }

  /** Keeps the chat read while it is open (called as messages arrive). */
  chatArrived(chatLength: number): void {
    if (this.#panel === 'chat') {
      this.#chatSeen = chatLength;
    }
  }

  /** Takes the participant list as it changes: who speaks, and what to announce. */
  observe(participants: readonly ParticipantSnapshot[]): void {
    const speaking = participants.find((p) => p.speaking === true);
    if (speaking !== undefined) {
      this.#lastSpeaker = speaking.peerId;
    }
    const changes = participantChanges(this.#previous, participants);
    this.#previous = participants;
    for (const change of changes) {
      this.#announce({ id: this.#nextId++, change });
    }
  }

  /** Announces a change of one's own microphone or camera (a shortcut moves no focus). */
  announceSelf(self: 'mic-on' | 'mic-off' | 'camera-on' | 'camera-off'): void {
    this.#announce({ id: this.#nextId++, self });
  }

  #announce(announcement: Announcement): void {
    this.#announcements = [...this.#announcements, announcement].slice(-MAX_ANNOUNCEMENTS);
    setTimeout(() => {
      this.#announcements = this.#announcements.filter((a) => a.id !== announcement.id);
    }, ANNOUNCEMENT_MS);
  }

  #markChat(chatLength: number): void {
    if (this.#panel === 'chat') {
      this.#chatSeen = chatLength;
    }
  }
}

export const callView = new CallView();
