/**
 * The start page's "Sensitive conversation" switch: the guides' extra care in one step. On, it
 * makes sure there is a PIN (a generated one if the field is empty), turns the microphone and
 * camera off for joining, reminds the call to compare the safety words before speaking, and
 * relays media through the network's TURN server when it has one; it remembers what it changed
 * so the page can say so, and switching it off puts the media path back. Not stored: each
 * conversation is chosen anew.
 */
import { localDevices, type LocalDevices } from './media.svelte.ts';
import { network, type NetworkState } from './network.svelte.ts';
import { settings, type MediaPathChoice, type Settings } from './settings.svelte.ts';

export interface SensitiveChanges {
  /** The PIN it generated, when the field was empty. */
  readonly generatedPin?: string;
  /** The microphone was on and is now off for joining. */
  readonly micOff: boolean;
  /** The camera was on and is now off for joining. */
  readonly cameraOff: boolean;
  /**
   * The media path: `relay` (turned on now), `already` (it was on), `no-turn` (the network has
   * no TURN server, so the others will see the IP address).
   */
  readonly relay: 'relay' | 'already' | 'no-turn';
}

export class SensitiveMode {
  #on = $state(false);
  #changes = $state.raw<SensitiveChanges | undefined>(undefined);
  /** The media path before this turned relaying on: switching off puts it back. */
  #pathBefore: MediaPathChoice | undefined;
  readonly #devices: LocalDevices;
  readonly #network: NetworkState;
  readonly #settings: Settings;

  constructor(devices: LocalDevices, networkState: NetworkState, userSettings: Settings) {
    this.#devices = devices;
    this.#network = networkState;
    this.#settings = userSettings;
  }

  get on(): boolean {
    return this.#on;
  }
  /** What switching on changed, while it is on. */
  get changes(): SensitiveChanges | undefined {
    return this.#changes;
  }

  /**
   * Switches it on.
   *
   * @param pin the PIN field as it is
   * @returns the PIN the field should hold (a new one if it was empty)
   */
  async enable(pin: string): Promise<string> {
    let generatedPin: string | undefined;
    if (pin.trim() === '') {
      const { generatePin } = await import('$p2p/pin.ts');
      generatedPin = generatePin();
    }
    const micOff = this.#devices.micOn;
    const cameraOff = this.#devices.cameraOn;
    if (micOff) {
      await this.#devices.toggleMic();
    }
    if (cameraOff) {
      await this.#devices.toggleCamera();
    }
    let relay: SensitiveChanges['relay'];
    if (this.#settings.mediaPath === 'relay') {
      relay = 'already';
    } else if (this.#network.turnAvailable) {
      this.#pathBefore = this.#settings.mediaPath;
      this.#saveMediaPath('relay');
      relay = 'relay';
    } else {
      relay = 'no-turn';
    }
    this.#on = true;
    this.#changes = {
      ...(generatedPin === undefined ? {} : { generatedPin }),
      micOff,
      cameraOff,
      relay
    };
    return generatedPin ?? pin;
  }

  /** Switches it off: the media path goes back to what it was if this turned relaying on. */
  disable(): void {
    if (this.#changes?.relay === 'relay' && this.#pathBefore !== undefined) {
      this.#saveMediaPath(this.#pathBefore);
    }
    this.#pathBefore = undefined;
    this.#on = false;
    this.#changes = undefined;
  }

  #saveMediaPath(mediaPath: MediaPathChoice): void {
    this.#settings.save({
      network: this.#settings.network,
      stun: this.#settings.stun,
      mediaPath
    });
  }
}

export const sensitive = new SensitiveMode(localDevices, network, settings);
