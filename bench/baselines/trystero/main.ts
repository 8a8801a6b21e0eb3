// The serverless baseline of `npm run bench:setup`: Trystero's BitTorrent strategy, with a local
// WebSocket tracker (the `bittorrent-tracker` server, started by the bench on 127.0.0.1) instead
// of the public ones. "Join" is joinRoom; each side adds its camera stream for the other as soon
// as Trystero reports the peer, as Trystero's own audio and video example does.
import { joinRoom } from '@trystero-p2p/torrent';
import { fail, mark, onJoin, openPreview, param, showRemote } from '../page.ts';

/** Trystero namespaces rooms by application; both sides must use the same one. */
const APP_ID = 'samen-bench-setup';

async function main(): Promise<void> {
  const tracker = param('tracker');
  const roomId = param('room');
  const local = await openPreview();

  onJoin(() => {
    const room = joinRoom(
      {
        appId: APP_ID,
        relayConfig: { urls: [tracker] },
        // No STUN or TURN, as Samen's local network profile: loopback host candidates only.
        rtcConfig: { iceServers: [] }
      },
      roomId,
      { onJoinError: (details) => fail(new Error(details.error)) }
    );
    room.onPeerJoin = (peerId) => {
      mark('peer');
      Promise.all(room.addStream(local, { target: peerId })).catch(fail);
    };
    room.onPeerStream = (stream) => {
      if (performance.getEntriesByName('bench:stream').length === 0) {
        mark('stream');
      }
      showRemote(stream);
    };
  });
}

main().catch(fail);
