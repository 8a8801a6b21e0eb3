/**
 * The active speaker: of the participants we hear, the loudest one above a speech threshold,
 * held for a moment so that the highlight follows turns of talk rather than every syllable.
 *
 * Levels are linear 0..1 (1 = full scale), as webrtc-stats' audioLevel and the RMS derived from
 * totalAudioEnergy; 20·log10(level) gives dBov.
 */

/**
 * The level above which a participant counts as speaking: 0.02 ≈ −34 dBov RMS. Speech after the
 * sender's automatic gain control sits around −25 to −15 dBov (0.06–0.18); what noise
 * suppression lets through of a quiet room stays under −50 dBov (0.003).
 */
export const SPEAKING_LEVEL = 0.02;

/** A speaker keeps the highlight this long after falling quiet: the pause between sentences. */
export const SPEAKER_HOLD_MS = 1_500;

/**
 * Someone louder takes the highlight from a speaker who is still talking only after the speaker
 * has held it this long, so that two people talking at once do not make it flicker.
 */
export const SPEAKER_MIN_TURN_MS = 1_000;

/**
 * How often the participants' audio levels are read: a highlight that trails the voice by more
 * than half a second looks wrong, and each read is one small getStats() per participant.
 */
export const SPEAKER_POLL_MS = 500;

/**
 * @example
 * const speaker = new ActiveSpeaker()
 * speaker.update(new Map([['alice', 0.12], ['bob', 0.004]]), performance.now()) // 'alice'
 */
export class ActiveSpeaker {
  readonly #threshold: number;
  readonly #holdMs: number;
  readonly #minTurnMs: number;
  #current: string | undefined;
  /** When the current speaker took the highlight. */
  #since = 0;
  /** When each participant was last heard above the threshold. */
  readonly #heard = new Map<string, number>();

  constructor(options: { threshold?: number; holdMs?: number; minTurnMs?: number } = {}) {
    this.#threshold = options.threshold ?? SPEAKING_LEVEL;
    this.#holdMs = options.holdMs ?? SPEAKER_HOLD_MS;
    this.#minTurnMs = options.minTurnMs ?? SPEAKER_MIN_TURN_MS;
  }

  /** The participant who has the highlight, if anyone. */
  get current(): string | undefined {
    return this.#current;
  }

  /**
   * Takes the latest level of every participant we hear (those missing are not heard: they
   * left, or are muted) and returns who has the highlight now.
   */
  update(levels: ReadonlyMap<string, number>, now: number): string | undefined {
    let loudest: string | undefined;
    let loudestLevel = this.#threshold;
    for (const [id, level] of levels) {
      if (level >= this.#threshold) {
        this.#heard.set(id, now);
        if (level > loudestLevel || loudest === undefined) {
          loudest = id;
          loudestLevel = level;
        }
      }
    }
    for (const id of this.#heard.keys()) {
      if (!levels.has(id)) {
        this.#heard.delete(id);
      }
    }

    const current = this.#current;
    const currentHeard = current === undefined ? undefined : this.#heard.get(current);
    const currentTalking = currentHeard === now;
    const currentHeld = currentHeard !== undefined && now - currentHeard <= this.#holdMs;
    if (loudest !== undefined && loudest !== current) {
      // A new voice takes over from silence at once, and from another voice after its turn.
      if (!currentTalking || now - this.#since >= this.#minTurnMs) {
        this.#current = loudest;
        this.#since = now;
      }
    } else if (loudest === undefined && !currentHeld) {
      this.#current = undefined;
    }
    return this.#current;
  }
}
