// What the two baseline pages of `npm run bench:setup` share: the same camera and microphone
// request as Samen's (src/lib/state/media.svelte.ts), a self-view, a remote video element that
// the bench watches exactly as it watches Samen's (data-testid="remote-video"), and User Timing
// marks the bench reads (`bench:<phase>`).

/** Samen's capture constraints, so all three systems encode the same fake camera. */
const CONSTRAINTS: MediaStreamConstraints = {
  video: { width: { ideal: 1280 }, height: { ideal: 720 } },
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }
};

/** Query parameter `name` of this page's URL; the bench always gives every one a page needs. */
export function param(name: string): string {
  const value = new URL(location.href).searchParams.get(name);
  if (value === null || value === '') {
    throw new Error(`missing query parameter ${name}`);
  }
  return value;
}

/** A milestone, read by the bench as performance.timeOrigin + startTime. */
export function mark(phase: string): void {
  performance.mark(`bench:${phase}`);
}

/** Shows an error where the bench looks for it (body[data-error]) instead of timing out blind. */
export function fail(err: unknown): void {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  document.body.dataset.error = message;
  console.error(message);
}

/**
 * The pre-join preview: opens camera and microphone and shows the camera, then marks the page
 * ready (body[data-ready]) so the bench clicks Join only once the camera is open, as in Samen.
 */
export async function openPreview(): Promise<MediaStream> {
  const stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
  const self = document.querySelector<HTMLVideoElement>('[data-testid="self-video"]');
  if (self === null) {
    throw new Error('no self-video element');
  }
  self.srcObject = stream;
  document.body.dataset.ready = 'true';
  return stream;
}

/** Plays a remote stream the way Samen's participant tile does: autoplay, not muted. */
export function showRemote(stream: MediaStream): void {
  let video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
  if (video === null) {
    video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.dataset.testid = 'remote-video';
    document.getElementById('remote')?.append(video);
  }
  if (video.srcObject !== stream) {
    video.srcObject = stream;
  }
}

/** Runs `join` when the Join button is pressed (once), after marking t0 (`bench:join`). */
export function onJoin(join: () => void | Promise<void>): void {
  const button = document.querySelector<HTMLButtonElement>('#join');
  if (button === null) {
    throw new Error('no Join button');
  }
  button.addEventListener(
    'click',
    () => {
      mark('join');
      button.disabled = true;
      Promise.resolve().then(join).catch(fail);
    },
    { once: true }
  );
}
