/**
 * What we keep per connected `Client` / `Server` (the SDK's `Protocol` instances): which side it
 * is, the protocol version its `initialize` settled, its session's start, and the client requests
 * waiting for their response (to tell a peer's error response from an error raised on this side).
 * Held in a WeakMap: nothing is added to the SDK's objects.
 */
import type { Attributes, Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_MCP_PROTOCOL_VERSION } from '../semconv';
import { nonEmptyString } from '../values';
import { attributesOfTransport, field, METHOD_INITIALIZE, sessionMetricAttributes } from './attributes';
import type { McpMetrics, Side } from './metrics';

/** A client request of ours, waiting: the error code of the peer's response, once one came. */
export interface Waiting {
  responseCode: number | undefined;
}

export interface Peer {
  /** `client` for a `Client`, `server` for a `Server`; undefined for another `Protocol` subclass. */
  readonly side: Side | undefined;
  protocolVersion: string | undefined;
  /** `performance.now()` when the open session began; undefined while none is open. */
  sessionStart: number | undefined;
  /** The transport's attributes, taken at `connect()`. */
  sessionAttributes: Attributes;
  /** `error.type` of a session whose `initialize` failed. */
  sessionError: string | undefined;
  readonly waiting: Map<number, Waiting>;
}

const peers = new WeakMap<object, Peer>();

function sideOf(protocol: object): Side | undefined {
  if (typeof field(protocol, 'getServerCapabilities') === 'function') return 'client';
  if (typeof field(protocol, 'getClientCapabilities') === 'function') return 'server';
  return undefined;
}

export function peerOf(protocol: object): Peer {
  let peer = peers.get(protocol);
  if (peer === undefined) {
    peer = {
      side: sideOf(protocol),
      protocolVersion: undefined,
      sessionStart: undefined,
      sessionAttributes: {},
      sessionError: undefined,
      waiting: new Map(),
    };
    peers.set(protocol, peer);
  }
  return peer;
}

/** The peer of `protocol` if we have seen it. */
export function knownPeer(protocol: object): Peer | undefined {
  return peers.get(protocol);
}

/** A session begins: `connect(transport)` was called. */
export function startSession(protocol: object, transport: unknown): Peer {
  const peer = peerOf(protocol);
  peer.sessionStart = performance.now();
  peer.sessionError = undefined;
  peer.sessionAttributes = peer.side === undefined ? {} : attributesOfTransport(transport, peer.side);
  return peer;
}

/** The session ends (its transport closed): its duration is recorded once. */
export function endSession(protocol: object, metrics: McpMetrics | undefined): void {
  const peer = peers.get(protocol);
  if (peer?.sessionStart === undefined) return;
  const seconds = (performance.now() - peer.sessionStart) / 1000;
  peer.sessionStart = undefined;
  if (metrics === undefined || peer.side === undefined) return;
  const attributes: Attributes = { ...peer.sessionAttributes };
  if (peer.protocolVersion !== undefined) attributes[ATTR_MCP_PROTOCOL_VERSION] = peer.protocolVersion;
  if (peer.sessionError !== undefined) attributes[ATTR_ERROR_TYPE] = peer.sessionError;
  metrics.recordSession(peer.side, seconds, sessionMetricAttributes(attributes));
}

/** An `initialize` result settles the session's protocol version: the peer's, and on the span of that request. */
export function learnProtocolVersion(
  peer: Peer,
  method: string,
  result: Record<string, unknown> | undefined,
  attributes: Attributes,
  span: Span,
): void {
  if (method !== METHOD_INITIALIZE) return;
  const version = nonEmptyString(result?.protocolVersion);
  if (version === undefined) return;
  peer.protocolVersion = version;
  attributes[ATTR_MCP_PROTOCOL_VERSION] = version;
  span.setAttribute(ATTR_MCP_PROTOCOL_VERSION, version);
}
