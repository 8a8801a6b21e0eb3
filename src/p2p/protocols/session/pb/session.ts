/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SessionMessage {
  roster?: Roster
  bye?: Bye
  notice?: SecurityNotice
  mediaSignal?: MediaSignal
  mediaHello?: MediaHello
  mediaState?: MediaState
  chat?: Chat
  chatAck?: ChatAck
  mediaClose?: MediaClose
}

export namespace SessionMessage {
  let _codec: Codec<SessionMessage>

  export const codec = (): Codec<SessionMessage> => {
    if (_codec == null) {
      _codec = message<SessionMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.mediaClose != null) {
          obj.chatAck = undefined
          obj.chat = undefined
          obj.mediaState = undefined
          obj.mediaHello = undefined
          obj.mediaSignal = undefined
          obj.notice = undefined
          obj.bye = undefined
          obj.roster = undefined
        }

        if (obj.chatAck != null) {
          obj.mediaClose = undefined
          obj.chat = undefined
          obj.mediaState = undefined
          obj.mediaHello = undefined
          obj.mediaSignal = undefined
          obj.notice = undefined
          obj.bye = undefined
          obj.roster = undefined
        }

        if (obj.chat != null) {
          obj.mediaClose = undefined
          obj.chatAck = undefined
          obj.mediaState = undefined
          obj.mediaHello = undefined
          obj.mediaSignal = undefined
          obj.notice = undefined
          obj.bye = undefined
          obj.roster = undefined
        }

        if (obj.mediaState != null) {
          obj.mediaClose = undefined
          obj.chatAck = undefined
          obj.chat = undefined
          obj.mediaHello = undefined
          obj.mediaSignal = undefined
          obj.notice = undefined
          obj.bye = undefined
          obj.roster = undefined
        }

        if (obj.mediaHello != null) {
          obj.mediaClose = undefined
          obj.chatAck = undefined
          obj.chat = undefined
          obj.mediaState = undefined
          obj.mediaSignal = undefined
          obj.notice = undefined
          obj.bye = undefined
          obj.roster = undefined
        }

        if (obj.mediaSignal != null) {
          obj.mediaClose = undefined
          obj.chatAck = undefined
          obj.chat = undefined
          obj.mediaState = undefined
          obj.mediaHello = undefined
          obj.notice = undefined
          obj.bye = undefined
          obj.roster = undefined
        }

        if (obj.notice != null) {
          obj.mediaClose = undefined
          obj.chatAck = undefined
          obj.chat = undefined
          obj.mediaState = undefined
          obj.mediaHello = undefined
          obj.mediaSignal = undefined
          obj.bye = undefined
          obj.roster = undefined
        }

        if (obj.bye != null) {
          obj.mediaClose = undefined
          obj.chatAck = undefined
          obj.chat = undefined
          obj.mediaState = undefined
          obj.mediaHello = undefined
          obj.mediaSignal = undefined
          obj.notice = undefined
          obj.roster = undefined
        }

        if (obj.roster != null) {
          obj.mediaClose = undefined
          obj.chatAck = undefined
          obj.chat = undefined
          obj.mediaState = undefined
          obj.mediaHello = undefined
          obj.mediaSignal = undefined
          obj.notice = undefined
          obj.bye = undefined
        }

        if (obj.roster != null) {
          w.uint32(10)
          Roster.codec().encode(obj.roster, w)
        }

        if (obj.bye != null) {
          w.uint32(18)
          Bye.codec().encode(obj.bye, w)
        }

        if (obj.notice != null) {
          w.uint32(26)
          SecurityNotice.codec().encode(obj.notice, w)
        }

        if (obj.mediaSignal != null) {
          w.uint32(34)
          MediaSignal.codec().encode(obj.mediaSignal, w)
        }

        if (obj.mediaHello != null) {
          w.uint32(42)
          MediaHello.codec().encode(obj.mediaHello, w)
        }

        if (obj.mediaState != null) {
          w.uint32(50)
          MediaState.codec().encode(obj.mediaState, w)
        }

        if (obj.chat != null) {
          w.uint32(58)
          Chat.codec().encode(obj.chat, w)
        }

        if (obj.chatAck != null) {
          w.uint32(66)
          ChatAck.codec().encode(obj.chatAck, w)
        }

        if (obj.mediaClose != null) {
          w.uint32(74)
          MediaClose.codec().encode(obj.mediaClose, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.roster = Roster.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.roster
              })
              break
            }
            case 2: {
              obj.bye = Bye.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.bye
              })
              break
            }
            case 3: {
              obj.notice = SecurityNotice.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.notice
              })
              break
            }
            case 4: {
              obj.mediaSignal = MediaSignal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.mediaSignal
              })
              break
            }
            case 5: {
              obj.mediaHello = MediaHello.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.mediaHello
              })
              break
            }
            case 6: {
              obj.mediaState = MediaState.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.mediaState
              })
              break
            }
            case 7: {
              obj.chat = Chat.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chat
              })
              break
            }
            case 8: {
              obj.chatAck = ChatAck.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chatAck
              })
              break
            }
            case 9: {
              obj.mediaClose = MediaClose.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.mediaClose
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.mediaClose != null) {
          delete obj.chatAck
          delete obj.chat
          delete obj.mediaState
          delete obj.mediaHello
          delete obj.mediaSignal
          delete obj.notice
          delete obj.bye
          delete obj.roster
        }

        if (obj.chatAck != null) {
          delete obj.mediaClose
          delete obj.chat
          delete obj.mediaState
          delete obj.mediaHello
          delete obj.mediaSignal
          delete obj.notice
          delete obj.bye
          delete obj.roster
        }

        if (obj.chat != null) {
          delete obj.mediaClose
          delete obj.chatAck
          delete obj.mediaState
          delete obj.mediaHello
          delete obj.mediaSignal
          delete obj.notice
          delete obj.bye
          delete obj.roster
        }

        if (obj.mediaState != null) {
          delete obj.mediaClose
          delete obj.chatAck
          delete obj.chat
          delete obj.mediaHello
          delete obj.mediaSignal
          delete obj.notice
          delete obj.bye
          delete obj.roster
        }

        if (obj.mediaHello != null) {
          delete obj.mediaClose
          delete obj.chatAck
          delete obj.chat
          delete obj.mediaState
          delete obj.mediaSignal
          delete obj.notice
          delete obj.bye
          delete obj.roster
        }

        if (obj.mediaSignal != null) {
          delete obj.mediaClose
          delete obj.chatAck
          delete obj.chat
          delete obj.mediaState
          delete obj.mediaHello
          delete obj.notice
          delete obj.bye
          delete obj.roster
        }

        if (obj.notice != null) {
          delete obj.mediaClose
          delete obj.chatAck
          delete obj.chat
          delete obj.mediaState
          delete obj.mediaHello
          delete obj.mediaSignal
          delete obj.bye
          delete obj.roster
        }

        if (obj.bye != null) {
          delete obj.mediaClose
          delete obj.chatAck
          delete obj.chat
          delete obj.mediaState
          delete obj.mediaHello
          delete obj.mediaSignal
          delete obj.notice
          delete obj.roster
        }

        if (obj.roster != null) {
          delete obj.mediaClose
          delete obj.chatAck
          delete obj.chat
          delete obj.mediaState
          delete obj.mediaHello
          delete obj.mediaSignal
          delete obj.notice
          delete obj.bye
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Roster.codec().stream(reader, reader.uint32(), `${prefix}.roster`, {
                limits: opts.limits?.roster
              })

              break
            }
            case 2: {
              yield * Bye.codec().stream(reader, reader.uint32(), `${prefix}.bye`, {
                limits: opts.limits?.bye
              })

              break
            }
            case 3: {
              yield * SecurityNotice.codec().stream(reader, reader.uint32(), `${prefix}.notice`, {
                limits: opts.limits?.notice
              })

              break
            }
            case 4: {
              yield * MediaSignal.codec().stream(reader, reader.uint32(), `${prefix}.mediaSignal`, {
                limits: opts.limits?.mediaSignal
              })

              break
            }
            case 5: {
              yield * MediaHello.codec().stream(reader, reader.uint32(), `${prefix}.mediaHello`, {
                limits: opts.limits?.mediaHello
              })

              break
            }
            case 6: {
              yield * MediaState.codec().stream(reader, reader.uint32(), `${prefix}.mediaState`, {
                limits: opts.limits?.mediaState
              })

              break
            }
            case 7: {
              yield * Chat.codec().stream(reader, reader.uint32(), `${prefix}.chat`, {
                limits: opts.limits?.chat
              })

              break
            }
            case 8: {
              yield * ChatAck.codec().stream(reader, reader.uint32(), `${prefix}.chatAck`, {
                limits: opts.limits?.chatAck
              })

              break
            }
            case 9: {
              yield * MediaClose.codec().stream(reader, reader.uint32(), `${prefix}.mediaClose`, {
                limits: opts.limits?.mediaClose
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SessionMessageRosterPeersPeerIdFieldEvent {
    field: '$.roster.peers[].peerId'
    value: string
    index: number
  }

  export interface SessionMessageRosterPeersAddrsFieldEvent {
    field: '$.roster.peers[].addrs[]'
    index: number
    value: string
  }

  export interface SessionMessageNoticeKindFieldEvent {
    field: '$.notice.kind'
    value: number
  }

  export interface SessionMessageMediaSignalDescriptionTypeFieldEvent {
    field: '$.mediaSignal.description.type'
    value: string
  }

  export interface SessionMessageMediaSignalDescriptionSdpFieldEvent {
    field: '$.mediaSignal.description.sdp'
    value: string
  }

  export interface SessionMessageMediaSignalCandidateCandidateFieldEvent {
    field: '$.mediaSignal.candidate.candidate'
    value: string
  }

  export interface SessionMessageMediaSignalCandidateSdpMidFieldEvent {
    field: '$.mediaSignal.candidate.sdpMid'
    value: string
  }

  export interface SessionMessageMediaSignalCandidateSdpMLineIndexFieldEvent {
    field: '$.mediaSignal.candidate.sdpMLineIndex'
    value: number
  }

  export interface SessionMessageMediaSignalCandidateUsernameFragmentFieldEvent {
    field: '$.mediaSignal.candidate.usernameFragment'
    value: string
  }

  export interface SessionMessageMediaSignalGenerationFieldEvent {
    field: '$.mediaSignal.generation'
    value: number
  }

  export interface SessionMessageMediaHelloFingerprintFieldEvent {
    field: '$.mediaHello.fingerprint'
    value: string
  }

  export interface SessionMessageMediaHelloMacFieldEvent {
    field: '$.mediaHello.mac'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SessionMessageMediaHelloGenerationFieldEvent {
    field: '$.mediaHello.generation'
    value: number
  }

  export interface SessionMessageMediaStateAudioFieldEvent {
    field: '$.mediaState.audio'
    value: boolean
  }

  export interface SessionMessageMediaStateVideoFieldEvent {
    field: '$.mediaState.video'
    value: boolean
  }

  export interface SessionMessageMediaStateScreenFieldEvent {
    field: '$.mediaState.screen'
    value: boolean
  }

  export interface SessionMessageChatSeqFieldEvent {
    field: '$.chat.seq'
    value: bigint
  }

  export interface SessionMessageChatTextFieldEvent {
    field: '$.chat.text'
    value: string
  }

  export interface SessionMessageChatLinkFieldEvent {
    field: '$.chat.link'
    value: bigint
  }

  export interface SessionMessageChatAckSeqFieldEvent {
    field: '$.chatAck.seq'
    value: bigint
  }

  export interface SessionMessageChatAckLinkFieldEvent {
    field: '$.chatAck.link'
    value: bigint
  }

  export interface SessionMessageMediaCloseGenerationFieldEvent {
    field: '$.mediaClose.generation'
    value: number
  }

  export function encode (obj: Partial<SessionMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SessionMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionMessage>): SessionMessage {
    return decodeMessage(buf, SessionMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionMessage>): Generator<SessionMessageRosterPeersPeerIdFieldEvent | SessionMessageRosterPeersAddrsFieldEvent | SessionMessageNoticeKindFieldEvent | SessionMessageMediaSignalDescriptionTypeFieldEvent | SessionMessageMediaSignalDescriptionSdpFieldEvent | SessionMessageMediaSignalCandidateCandidateFieldEvent | SessionMessageMediaSignalCandidateSdpMidFieldEvent | SessionMessageMediaSignalCandidateSdpMLineIndexFieldEvent | SessionMessageMediaSignalCandidateUsernameFragmentFieldEvent | SessionMessageMediaSignalGenerationFieldEvent | SessionMessageMediaHelloFingerprintFieldEvent | SessionMessageMediaHelloMacFieldEvent | SessionMessageMediaHelloGenerationFieldEvent | SessionMessageMediaStateAudioFieldEvent | SessionMessageMediaStateVideoFieldEvent | SessionMessageMediaStateScreenFieldEvent | SessionMessageChatSeqFieldEvent | SessionMessageChatTextFieldEvent | SessionMessageChatLinkFieldEvent | SessionMessageChatAckSeqFieldEvent | SessionMessageChatAckLinkFieldEvent | SessionMessageMediaCloseGenerationFieldEvent> {
    return streamMessage(buf, SessionMessage.codec(), opts)
  }
}

export interface Roster {
  peers: RosterEntry[]
}

export namespace Roster {
  let _codec: Codec<Roster>

  export const codec = (): Codec<Roster> => {
    if (_codec == null) {
      _codec = message<Roster>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(10)
            RosterEntry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peers: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(RosterEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peers$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          peers: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              for (const evt of RosterEntry.codec().stream(reader, reader.uint32(), `${prefix}.peers[]`, {
                limits: opts.limits?.peers$
              })) {
                yield {
                  ...evt,
                  index: obj.peers
                }
              }

              obj.peers++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RosterPeersPeerIdFieldEvent {
    field: '$.peers[].peerId'
    value: string
    index: number
  }

  export interface RosterPeersAddrsFieldEvent {
    field: '$.peers[].addrs[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<Roster>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Roster.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Roster>): Roster {
    return decodeMessage(buf, Roster.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Roster>): Generator<RosterPeersPeerIdFieldEvent | RosterPeersAddrsFieldEvent> {
    return streamMessage(buf, Roster.codec(), opts)
  }
}

export interface RosterEntry {
  peerId: string
  addrs: string[]
}

export namespace RosterEntry {
  let _codec: Codec<RosterEntry>

  export const codec = (): Codec<RosterEntry> => {
    if (_codec == null) {
      _codec = message<RosterEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.string())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.string()
              }

              obj.addrs++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RosterEntryPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface RosterEntryAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<RosterEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RosterEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RosterEntry>): RosterEntry {
    return decodeMessage(buf, RosterEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RosterEntry>): Generator<RosterEntryPeerIdFieldEvent | RosterEntryAddrsFieldEvent> {
    return streamMessage(buf, RosterEntry.codec(), opts)
  }
}

export interface Bye {}

export namespace Bye {
  let _codec: Codec<Bye>

  export const codec = (): Codec<Bye> => {
    if (_codec == null) {
      _codec = message<Bye>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export function encode (obj: Partial<Bye>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Bye.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Bye>): Bye {
    return decodeMessage(buf, Bye.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Bye>): Generator<{}> {
    return streamMessage(buf, Bye.codec(), opts)
  }
}

export interface SecurityNotice {
  kind: number
}

export namespace SecurityNotice {
  export enum Kind {
    UNKNOWN = 'UNKNOWN',
    CALL_LOCKED = 'CALL_LOCKED'
  }

  enum __KindValues {
    UNKNOWN = 0,
    CALL_LOCKED = 1
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<SecurityNotice>

  export const codec = (): Codec<SecurityNotice> => {
    if (_codec == null) {
      _codec = message<SecurityNotice>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.kind != null && obj.kind !== 0)) {
          w.uint32(8)
          w.uint32(obj.kind)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SecurityNoticeKindFieldEvent {
    field: '$.kind'
    value: number
  }

  export function encode (obj: Partial<SecurityNotice>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SecurityNotice.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SecurityNotice>): SecurityNotice {
    return decodeMessage(buf, SecurityNotice.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SecurityNotice>): Generator<SecurityNoticeKindFieldEvent> {
    return streamMessage(buf, SecurityNotice.codec(), opts)
  }
}

export interface MediaSignal {
  description?: MediaDescription
  candidate?: MediaCandidate
  generation: number
}

export namespace MediaSignal {
  let _codec: Codec<MediaSignal>

  export const codec = (): Codec<MediaSignal> => {
    if (_codec == null) {
      _codec = message<MediaSignal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.candidate != null) {
          obj.description = undefined
        }

        if (obj.description != null) {
          obj.candidate = undefined
        }

        if (obj.description != null) {
          w.uint32(10)
          MediaDescription.codec().encode(obj.description, w)
        }

        if (obj.candidate != null) {
          w.uint32(18)
          MediaCandidate.codec().encode(obj.candidate, w)
        }

        if ((obj.generation != null && obj.generation !== 0)) {
          w.uint32(24)
          w.uint32(obj.generation)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          generation: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.description = MediaDescription.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.description
              })
              break
            }
            case 2: {
              obj.candidate = MediaCandidate.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.candidate
              })
              break
            }
            case 3: {
              obj.generation = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.candidate != null) {
          delete obj.description
        }

        if (obj.description != null) {
          delete obj.candidate
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * MediaDescription.codec().stream(reader, reader.uint32(), `${prefix}.description`, {
                limits: opts.limits?.description
              })

              break
            }
            case 2: {
              yield * MediaCandidate.codec().stream(reader, reader.uint32(), `${prefix}.candidate`, {
                limits: opts.limits?.candidate
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.generation`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MediaSignalDescriptionTypeFieldEvent {
    field: '$.description.type'
    value: string
  }

  export interface MediaSignalDescriptionSdpFieldEvent {
    field: '$.description.sdp'
    value: string
  }

  export interface MediaSignalCandidateCandidateFieldEvent {
    field: '$.candidate.candidate'
    value: string
  }

  export interface MediaSignalCandidateSdpMidFieldEvent {
    field: '$.candidate.sdpMid'
    value: string
  }

  export interface MediaSignalCandidateSdpMLineIndexFieldEvent {
    field: '$.candidate.sdpMLineIndex'
    value: number
  }

  export interface MediaSignalCandidateUsernameFragmentFieldEvent {
    field: '$.candidate.usernameFragment'
    value: string
  }

  export interface MediaSignalGenerationFieldEvent {
    field: '$.generation'
    value: number
  }

  export function encode (obj: Partial<MediaSignal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MediaSignal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaSignal>): MediaSignal {
    return decodeMessage(buf, MediaSignal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaSignal>): Generator<MediaSignalDescriptionTypeFieldEvent | MediaSignalDescriptionSdpFieldEvent | MediaSignalCandidateCandidateFieldEvent | MediaSignalCandidateSdpMidFieldEvent | MediaSignalCandidateSdpMLineIndexFieldEvent | MediaSignalCandidateUsernameFragmentFieldEvent | MediaSignalGenerationFieldEvent> {
    return streamMessage(buf, MediaSignal.codec(), opts)
  }
}

export interface MediaDescription {
  type: string
  sdp: string
}

export namespace MediaDescription {
  let _codec: Codec<MediaDescription>

  export const codec = (): Codec<MediaDescription> => {
    if (_codec == null) {
      _codec = message<MediaDescription>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.type != null && obj.type !== '')) {
          w.uint32(10)
          w.string(obj.type)
        }

        if ((obj.sdp != null && obj.sdp !== '')) {
          w.uint32(18)
          w.string(obj.sdp)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: '',
          sdp: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = reader.string()
              break
            }
            case 2: {
              obj.sdp = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sdp`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MediaDescriptionTypeFieldEvent {
    field: '$.type'
    value: string
  }

  export interface MediaDescriptionSdpFieldEvent {
    field: '$.sdp'
    value: string
  }

  export function encode (obj: Partial<MediaDescription>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MediaDescription.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaDescription>): MediaDescription {
    return decodeMessage(buf, MediaDescription.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaDescription>): Generator<MediaDescriptionTypeFieldEvent | MediaDescriptionSdpFieldEvent> {
    return streamMessage(buf, MediaDescription.codec(), opts)
  }
}

export interface MediaCandidate {
  candidate: string
  sdpMid?: string
  sdpMLineIndex?: number
  usernameFragment?: string
}

export namespace MediaCandidate {
  let _codec: Codec<MediaCandidate>

  export const codec = (): Codec<MediaCandidate> => {
    if (_codec == null) {
      _codec = message<MediaCandidate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.candidate != null && obj.candidate !== '')) {
          w.uint32(10)
          w.string(obj.candidate)
        }

        if (obj.sdpMid != null) {
          w.uint32(18)
          w.string(obj.sdpMid)
        }

        if (obj.sdpMLineIndex != null) {
          w.uint32(24)
          w.uint32(obj.sdpMLineIndex)
        }

        if (obj.usernameFragment != null) {
          w.uint32(34)
          w.string(obj.usernameFragment)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          candidate: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.candidate = reader.string()
              break
            }
            case 2: {
              obj.sdpMid = reader.string()
              break
            }
            case 3: {
              obj.sdpMLineIndex = reader.uint32()
              break
            }
            case 4: {
              obj.usernameFragment = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.candidate`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sdpMid`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sdpMLineIndex`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.usernameFragment`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MediaCandidateCandidateFieldEvent {
    field: '$.candidate'
    value: string
  }

  export interface MediaCandidateSdpMidFieldEvent {
    field: '$.sdpMid'
    value: string
  }

  export interface MediaCandidateSdpMLineIndexFieldEvent {
    field: '$.sdpMLineIndex'
    value: number
  }

  export interface MediaCandidateUsernameFragmentFieldEvent {
    field: '$.usernameFragment'
    value: string
  }

  export function encode (obj: Partial<MediaCandidate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MediaCandidate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaCandidate>): MediaCandidate {
    return decodeMessage(buf, MediaCandidate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaCandidate>): Generator<MediaCandidateCandidateFieldEvent | MediaCandidateSdpMidFieldEvent | MediaCandidateSdpMLineIndexFieldEvent | MediaCandidateUsernameFragmentFieldEvent> {
    return streamMessage(buf, MediaCandidate.codec(), opts)
  }
}

export interface MediaHello {
  fingerprint: string
  mac: Uint8Array<ArrayBuffer>
  generation: number
}

export namespace MediaHello {
  let _codec: Codec<MediaHello>

  export const codec = (): Codec<MediaHello> => {
    if (_codec == null) {
      _codec = message<MediaHello>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.fingerprint != null && obj.fingerprint !== '')) {
          w.uint32(10)
          w.string(obj.fingerprint)
        }

        if ((obj.mac != null && obj.mac.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.mac)
        }

        if ((obj.generation != null && obj.generation !== 0)) {
          w.uint32(24)
          w.uint32(obj.generation)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          fingerprint: '',
          mac: uint8ArrayAlloc(0),
          generation: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.fingerprint = reader.string()
              break
            }
            case 2: {
              obj.mac = reader.bytes()
              break
            }
            case 3: {
              obj.generation = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.fingerprint`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.mac`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.generation`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MediaHelloFingerprintFieldEvent {
    field: '$.fingerprint'
    value: string
  }

  export interface MediaHelloMacFieldEvent {
    field: '$.mac'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MediaHelloGenerationFieldEvent {
    field: '$.generation'
    value: number
  }

  export function encode (obj: Partial<MediaHello>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MediaHello.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaHello>): MediaHello {
    return decodeMessage(buf, MediaHello.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaHello>): Generator<MediaHelloFingerprintFieldEvent | MediaHelloMacFieldEvent | MediaHelloGenerationFieldEvent> {
    return streamMessage(buf, MediaHello.codec(), opts)
  }
}

export interface MediaClose {
  generation: number
}

export namespace MediaClose {
  let _codec: Codec<MediaClose>

  export const codec = (): Codec<MediaClose> => {
    if (_codec == null) {
      _codec = message<MediaClose>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.generation != null && obj.generation !== 0)) {
          w.uint32(8)
          w.uint32(obj.generation)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          generation: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.generation = reader.uint32()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.generation`,
                value: reader.uint32()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MediaCloseGenerationFieldEvent {
    field: '$.generation'
    value: number
  }

  export function encode (obj: Partial<MediaClose>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MediaClose.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaClose>): MediaClose {
    return decodeMessage(buf, MediaClose.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaClose>): Generator<MediaCloseGenerationFieldEvent> {
    return streamMessage(buf, MediaClose.codec(), opts)
  }
}

export interface MediaState {
  audio: boolean
  video: boolean
  screen: boolean
}

export namespace MediaState {
  let _codec: Codec<MediaState>

  export const codec = (): Codec<MediaState> => {
    if (_codec == null) {
      _codec = message<MediaState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.audio != null && obj.audio !== false)) {
          w.uint32(8)
          w.bool(obj.audio)
        }

        if ((obj.video != null && obj.video !== false)) {
          w.uint32(16)
          w.bool(obj.video)
        }

        if ((obj.screen != null && obj.screen !== false)) {
          w.uint32(24)
          w.bool(obj.screen)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          audio: false,
          video: false,
          screen: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.audio = reader.bool()
              break
            }
            case 2: {
              obj.video = reader.bool()
              break
            }
            case 3: {
              obj.screen = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.audio`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.video`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.screen`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MediaStateAudioFieldEvent {
    field: '$.audio'
    value: boolean
  }

  export interface MediaStateVideoFieldEvent {
    field: '$.video'
    value: boolean
  }

  export interface MediaStateScreenFieldEvent {
    field: '$.screen'
    value: boolean
  }

  export function encode (obj: Partial<MediaState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MediaState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaState>): MediaState {
    return decodeMessage(buf, MediaState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaState>): Generator<MediaStateAudioFieldEvent | MediaStateVideoFieldEvent | MediaStateScreenFieldEvent> {
    return streamMessage(buf, MediaState.codec(), opts)
  }
}

export interface Chat {
  seq: bigint
  text: string
  link: bigint
}

export namespace Chat {
  let _codec: Codec<Chat>

  export const codec = (): Codec<Chat> => {
    if (_codec == null) {
      _codec = message<Chat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(8)
          w.uint64(obj.seq)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(18)
          w.string(obj.text)
        }

        if ((obj.link != null && obj.link !== 0n)) {
          w.uint32(24)
          w.uint64(obj.link)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          seq: 0n,
          text: '',
          link: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.seq = reader.uint64()
              break
            }
            case 2: {
              obj.text = reader.string()
              break
            }
            case 3: {
              obj.link = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.link`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface ChatTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface ChatLinkFieldEvent {
    field: '$.link'
    value: bigint
  }

  export function encode (obj: Partial<Chat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Chat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chat>): Chat {
    return decodeMessage(buf, Chat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chat>): Generator<ChatSeqFieldEvent | ChatTextFieldEvent | ChatLinkFieldEvent> {
    return streamMessage(buf, Chat.codec(), opts)
  }
}

export interface ChatAck {
  seq: bigint
  link: bigint
}

export namespace ChatAck {
  let _codec: Codec<ChatAck>

  export const codec = (): Codec<ChatAck> => {
    if (_codec == null) {
      _codec = message<ChatAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(8)
          w.uint64(obj.seq)
        }

        if ((obj.link != null && obj.link !== 0n)) {
          w.uint32(16)
          w.uint64(obj.link)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          seq: 0n,
          link: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.seq = reader.uint64()
              break
            }
            case 2: {
              obj.link = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.link`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatAckSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface ChatAckLinkFieldEvent {
    field: '$.link'
    value: bigint
  }

  export function encode (obj: Partial<ChatAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatAck>): ChatAck {
    return decodeMessage(buf, ChatAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatAck>): Generator<ChatAckSeqFieldEvent | ChatAckLinkFieldEvent> {
    return streamMessage(buf, ChatAck.codec(), opts)
  }
}
