/**
 * The local camera, microphone and screen, as UI state. The microphone is on and the camera off
 * until the user chooses otherwise; those choices and the chosen devices are remembered
 * (localStorage), nothing else. Turning the camera off *stops* its track, so the camera light
 * goes out; turning it on acquires it again. Whoever uses the tracks (the call) is told through
 * the sink set with `connect`. Muting keeps the microphone open (the browser's indicator stays
 * on) so that unmuting is instant; nothing is sent while muted, and Leave closes it.
 */
import { browser } from '$app/environment';

/**
 * The tracks the call should send now, for `Call.setLocalMedia`. Named apart from the core's
 * `LocalMedia` (what that method takes) and `LocalTracks` (src/p2p/media.ts), so that a name
 * says which side of the UI/core line a value is on.
 */
export interface DeviceTracks {
  /** The microphone track while unmuted, else null. */
  readonly audio: MediaStreamTrack | null;
  /** The screen while shared, else the camera while on, else null. */
  readonly video: MediaStreamTrack | null;
  readonly screen: boolean;
}

export type MediaProblem =
  'permission-denied' | 'no-device' | 'device-busy' | 'unsupported' | 'screen-failed';

interface Stored {
  readonly version: 1;
  readonly micOn: boolean;
  readonly cameraOn: boolean;
  readonly audioDeviceId?: string;
  readonly videoDeviceId?: string;
}

const STORAGE_KEY = 'samen.media.v1';

/**
 * What a call asks of the camera: 720p at 30 frames per second, what most webcams deliver, if
 * the camera can (ideal, never required). Without a frame rate, a browser may pick a lower
 * default (Chromium's fake camera: 20 fps); the senders lower both for a larger call (adapt.ts).
 */
const CAMERA: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 }
};

/** The browser's own voice processing, asked for explicitly (issue: on by default everywhere). */
const VOICE: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true
};

/**
 * The local devices as UI state: microphone, camera and screen, the user's choices of them, the
 * preview and the problems. Not the core's `LocalMedia`, which is only what a call sends.
 */
export class LocalDevices {
  #micOn = $state(true);
  #cameraOn = $state(false);
  #screenOn = $state(false);
  #audioDeviceId = $state<string | undefined>(undefined);
  #videoDeviceId = $state<string | undefined>(undefined);
  #devices = $state.raw<readonly MediaDeviceInfo[]>([]);
  #problem = $state<MediaProblem | undefined>(undefined);
  /** A stream of the current local tracks, for the self-view. */
  #preview = $state.raw<MediaStream | undefined>(undefined);

  #audio: MediaStreamTrack | undefined;
  #camera: MediaStreamTrack | undefined;
  #screen: MediaStreamTrack | undefined;
  #sink: ((tracks: DeviceTracks) => void) | undefined;
  /** Bumped by every capture request and by stopAll: a capture that lands late is stopped. */
  readonly #requests = { audio: 0, video: 0 };
  #watching = false;
  readonly #storage: Storage | undefined;

  constructor(storage: Storage | undefined) {
    this.#storage = storage;
    const stored = this.#read();
    this.#micOn = stored.micOn;
    this.#cameraOn = stored.cameraOn;
    this.#audioDeviceId = stored.audioDeviceId;
    this.#videoDeviceId = stored.videoDeviceId;
  }

  get micOn(): boolean {
    return this.#micOn;
  }
  get cameraOn(): boolean {
    return this.#cameraOn;
  }
  get screenOn(): boolean {
    return this.#screenOn;
  }
  get problem(): MediaProblem | undefined {
    return this.#problem;
  }
  get preview(): MediaStream | undefined {
    return this.#preview;
  }
  get audioDeviceId(): string | undefined {
    return this.#audioDeviceId;
  }
  get videoDeviceId(): string | undefined {
    return this.#videoDeviceId;
  }
  get microphones(): readonly MediaDeviceInfo[] {
    return this.#devices.filter((d) => d.kind === 'audioinput');
  }
  get cameras(): readonly MediaDeviceInfo[] {
    return this.#devices.filter((d) => d.kind === 'videoinput');
  }

  /** The tracks as the call should send them now. */
  get tracks(): DeviceTracks {
    return {
      audio: this.#micOn ? (this.#audio ?? null) : null,
      video: this.#screen ?? (this.#cameraOn ? (this.#camera ?? null) : null),
      screen: this.#screen !== undefined
    };
  }

  /** Who receives the tracks whenever they change (the call); undefined to disconnect. */
  connect(sink: ((tracks: DeviceTracks) => void) | undefined): void {
    this.#sink = sink;
    sink?.(this.tracks);
  }

  dismissProblem(): void {
    this.#problem = undefined;
  }

  /** Acquires what the choices ask for (the pre-join preview and Join call this). */
  async start(): Promise<void> {
    this.#watchDevices();
    await Promise.all([
      this.#micOn && this.#audio === undefined ? this.#acquire('audio') : undefined,
      this.#cameraOn && this.#camera === undefined ? this.#acquire('video') : undefined
    ]);
    this.#changed();
  }

  async toggleMic(): Promise<void> {
    this.#micOn = !this.#micOn;
    if (this.#micOn && this.#audio === undefined) {
      await this.#acquire('audio');
    }
    this.#save();
    this.#changed();
  }

  async toggleCamera(): Promise<void> {
    if (this.#cameraOn) {
      this.#cameraOn = false;
      // Stopped, not just disabled: the camera light goes out.
      this.#camera?.stop();
      this.#camera = undefined;
    } else {
      this.#cameraOn = true;
      await this.#acquire('video');
    }
    this.#save();
    this.#changed();
  }

  async toggleScreen(): Promise<void> {
    if (this.#screen !== undefined) {
      this.#stopScreen();
      return;
    }
    if (navigator.mediaDevices?.getDisplayMedia === undefined) {
      this.#problem = 'unsupported';
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      const track = stream.getVideoTracks()[0];
      if (track === undefined) {
        throw new DOMException('no video track', 'NotFoundError');
      }
      // The browser's own "Stop sharing" ends the track.
      track.addEventListener('ended', () => this.#stopScreen(), { once: true });
      this.#screen = track;
      this.#screenOn = true;
      this.#changed();
    } catch (err) {
      // Cancelling the picker is a choice, not a problem.
      if ((err as DOMException).name !== 'NotAllowedError') {
        this.#problem = 'screen-failed';
      }
    }
  }

  async selectDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    if (kind === 'audio') {
      this.#audioDeviceId = deviceId;
    } else {
      this.#videoDeviceId = deviceId;
    }
    this.#save();
    const inUse = kind === 'audio' ? this.#audio : this.#camera;
    if (inUse !== undefined) {
      // The call swaps the track in place (replaceTrack): no renegotiation.
      await this.#acquire(kind);
      this.#changed();
    }
  }

  /**
   * Stops every track and disconnects the sink (Leave): the call is not told of the stop, it is
   * ending. The choices stay as they are.
   */
  stopAll(): void {
    this.#sink = undefined;
    this.#requests.audio += 1;
    this.#requests.video += 1;
    for (const track of [this.#audio, this.#camera, this.#screen]) {
      track?.stop();
    }
    this.#audio = this.#camera = this.#screen = undefined;
    this.#screenOn = false;
    this.#changed();
  }

  async #acquire(kind: 'audio' | 'video'): Promise<void> {
    if (navigator.mediaDevices?.getUserMedia === undefined) {
      this.#problem = 'unsupported';
      this.#turnOff(kind);
      return;
    }
    const request = ++this.#requests[kind];
    const deviceId = kind === 'audio' ? this.#audioDeviceId : this.#videoDeviceId;
    const device = deviceId === undefined ? {} : { deviceId: { ideal: deviceId } };
    try {
      const stream = await navigator.mediaDevices.getUserMedia(
        kind === 'audio' ? { audio: { ...VOICE, ...device } } : { video: { ...CAMERA, ...device } }
      );
      const track = kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
      if (track === undefined) {
        throw new DOMException('no track', 'NotFoundError');
      }
      // The user left, or turned the camera off, while the browser was asking or starting the
      // device: this track is not wanted any more, and its light must not stay on.
      if (request !== this.#requests[kind] || (kind === 'video' && !this.#cameraOn)) {
        track.stop();
        return;
      }
      const old = kind === 'audio' ? this.#audio : this.#camera;
      if (kind === 'audio') {
        this.#audio = track;
      } else {
        this.#camera = track;
      }
      old?.stop();
      this.#problem = undefined;
      // Labels and device IDs are only listed once a permission is granted.
      void this.#refreshDevices();
    } catch (err) {
      const name = (err as DOMException).name;
      this.#problem =
        name === 'NotAllowedError' || name === 'SecurityError'
          ? 'permission-denied'
          : name === 'NotFoundError' || name === 'OverconstrainedError'
            ? 'no-device'
            : 'device-busy';
      this.#turnOff(kind);
    }
  }

  #turnOff(kind: 'audio' | 'video'): void {
    if (kind === 'audio') {
      this.#micOn = false;
    } else {
      this.#cameraOn = false;
    }
  }

  #stopScreen(): void {
    this.#screen?.stop();
    this.#screen = undefined;
    this.#screenOn = false;
    this.#changed();
  }

  #changed(): void {
    const tracks = [this.#audio, this.#screen ?? this.#camera].filter(
      (track): track is MediaStreamTrack => track !== undefined && track.readyState === 'live'
    );
    this.#preview = tracks.length === 0 ? undefined : new MediaStream(tracks);
    this.#sink?.(this.tracks);
  }

  #watchDevices(): void {
    if (this.#watching || navigator.mediaDevices === undefined) {
      return;
    }
    this.#watching = true;
    // Hot-plugged devices appear in the lists as they come and go.
    navigator.mediaDevices.addEventListener('devicechange', () => void this.#refreshDevices());
    void this.#refreshDevices();
  }

  async #refreshDevices(): Promise<void> {
    try {
      this.#devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      this.#devices = [];
    }
  }

  #save(): void {
    const value: Stored = {
      version: 1,
      micOn: this.#micOn,
      cameraOn: this.#cameraOn,
      ...(this.#audioDeviceId === undefined ? {} : { audioDeviceId: this.#audioDeviceId }),
      ...(this.#videoDeviceId === undefined ? {} : { videoDeviceId: this.#videoDeviceId })
    };
    try {
      this.#storage?.setItem(STORAGE_KEY, JSON.stringify(value));
    } catch {
      // Storage full or forbidden: the choice holds for this page.
    }
  }

  #read(): Stored {
    const defaults: Stored = { version: 1, micOn: true, cameraOn: false };
    try {
      const raw = this.#storage?.getItem(STORAGE_KEY);
      const parsed: unknown = raw == null ? undefined : JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null) {
        return defaults;
      }
      const value = parsed as Partial<Stored>;
      return {
        version: 1,
        micOn: typeof value.micOn === 'boolean' ? value.micOn : defaults.micOn,
        cameraOn: typeof value.cameraOn === 'boolean' ? value.cameraOn : defaults.cameraOn,
        ...(typeof value.audioDeviceId === 'string' ? { audioDeviceId: value.audioDeviceId } : {}),
        ...(typeof value.videoDeviceId === 'string' ? { videoDeviceId: value.videoDeviceId } : {})
      };
    } catch {
      return defaults;
    }
  }
}

export const localDevices = new LocalDevices(browser ? localStorage : undefined);
