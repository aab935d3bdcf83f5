/**
 * Calls the app abandons: a promise it never awaits, a stream it never reads to the end and drops.
 * Their spans would stay open forever; instead, when the garbage collector reclaims what the app
 * last held of the call (the promise, then the stream, then the stream's iterator), the span ends,
 * marked `otel_genai.abandoned`. Its end time is when that happened, not when the app lost interest.
 */

export type Holder = 'promise' | 'stream' | 'iterator';

/** What can be abandoned: a model call, or an agent run the app holds (the AI SDK's `streamText`). */
export interface Abandonable {
  holder: Holder | undefined;
  abandon(): void;
}

const registry = new FinalizationRegistry<{ call: Abandonable; holder: Holder }>(({ call, holder }) => {
  if (call.holder === holder) call.abandon();
});

/**
 * The calls the app still holds unfinished. A short script exits long before the collector would
 * reclaim a stream it never read: at exit these are ended as abandoned, so that they are exported.
 */
const held = new Set<Abandonable>();

/** From now on `object` is what the app holds of `call`; reclaiming it abandons the call. */
export function heldBy(object: object, call: Abandonable, holder: Holder): void {
  call.holder = holder;
  held.add(call);
  registry.register(object, { call, holder }, call);
}

/** The call has ended: the registry lets go of it, so a finished call is not kept alive until collected. */
export function released(call: Abandonable): void {
  if (call.holder === undefined) return;
  held.delete(call);
  registry.unregister(call);
}

/** Ends, as abandoned, every call the app still holds unfinished (at exit, before the last flush). */
export function abandonHeldCalls(): void {
  for (const call of [...held]) call.abandon();
}
