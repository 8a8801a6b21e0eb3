/**
 * Every wait of the end-to-end tests, in one place, each with its reason. The machine they run
 * on has two cores shared with other work: a timeout is how long something may take on such a
 * machine, never how long it takes on an idle one (those figures are in `npm run bench`).
 */
import { SPEAKER_HOLD_MS, SPEAKER_POLL_MS } from '../../src/p2p/speaker.ts';

// ---- Playwright's own ------------------------------------------------------------------------

/** One test with two or three browser contexts: each joins, meets and goes direct. */
export const TEST_TIMEOUT_MS = 90_000;

/** A test with four contexts, or a third person joining later. */
export const LARGE_TEST_TIMEOUT_MS = 150_000;

/**
 * The recovery test: a call, then two rounds of cut off → back → settled (about 25 s each on
 * an idle machine, up to twice RECOVERY_TIMEOUT_MS on a loaded one).
 */
export const RECOVERY_TEST_TIMEOUT_MS = 240_000;

/**
 * An `expect` without a timeout of its own: a page reacting to a click, or the start page
 * connecting to the local nodes and taking a relay slot, on a loaded machine.
 */
export const EXPECT_TIMEOUT_MS = 15_000;

// ---- the start page --------------------------------------------------------------------------

/** The start page shows its connection to every local node (a second or two when idle). */
export const NETWORK_STATUS_TIMEOUT_MS = 5_000;

/**
 * The start page has a relay slot (about a second when idle). Tests open up to four pages at
 * once, each dialling every local node and reserving a slot: on a loaded machine some dials
 * time out and the page tries again after 1, 2, 5 s (network.svelte.ts).
 */
export const RELAY_READY_TIMEOUT_MS = 30_000;

// ---- a call coming together ------------------------------------------------------------------

/** Join → direct takes a few seconds on loopback; this leaves room for a loaded machine. */
export const DIRECT_TIMEOUT_MS = 30_000;

/** Media takes a moment after `direct`: negotiation, DTLS, the first key frame. */
export const MEDIA_TIMEOUT_MS = 20_000;

/** Once media flows, its counters are read again: new frames and packets come many a second. */
export const MEDIA_RISING_TIMEOUT_MS = 10_000;

/** What the tests count decoded frames over: long enough for a few frames at 20 fps. */
export const DECODE_SAMPLE_MS = 500;

// ---- in a call -------------------------------------------------------------------------------

/** A mute or camera-off reaches the other side within a second (the tests' own promise). */
export const MEDIA_STATE_NOTICE_MS = 1_000;

/** A chat message arrives on loopback at once; this is room for a loaded machine. */
export const CHAT_TIMEOUT_MS = 5_000;

/**
 * "Still so a moment later": how long a test watches for something that must not happen (a
 * chat message delivered twice, a refused participant let in after all).
 */
export const STILL_QUIET_MS = 2_000;

/**
 * The active-speaker highlight goes once the level has stayed low for SPEAKER_HOLD_MS, read
 * every SPEAKER_POLL_MS: that, and two polls more for a loaded machine.
 */
export const SPEAKER_OFF_TIMEOUT_MS = SPEAKER_HOLD_MS + 3 * SPEAKER_POLL_MS;

/**
 * New sender limits after someone joins: the call adapts at once and then every
 * ADAPT_INTERVAL_MS (2.5 s); a few rounds for a loaded machine.
 */
export const ADAPT_TIMEOUT_MS = 10_000;

/** Someone who leaves, or closes the tab, says goodbye: the others show `left` within 10 s. */
export const LEFT_TIMEOUT_MS = 10_000;

// ---- recovery ----------------------------------------------------------------------------------

/** How long a participant stays cut off from the network. */
export const OFFLINE_MS = 5_000;

/** After the first sign of recovery, how long the call must stay up to count as recovered. */
export const SETTLE_MS = 5_000;

/** Back: found, admitted and direct again, then media renegotiated (the call gives up at 45 s). */
export const RECOVERY_TIMEOUT_MS = 45_000;

/** What the recovery test counts decoded frames over, while polling every 250 ms. */
export const RECOVERY_SAMPLE_MS = 1_000;
