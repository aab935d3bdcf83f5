// The other GenAI instrumentations the bench runs against ours (contenders otel, arize, traceloop):
// how each is built, and which versions of an SDK it patches, as it declares them itself.
import { PROVIDERS } from './providers.mjs';

/** Each peer's package per provider it instruments. */
const PEER_PACKAGES = {
  otel: { openai: '@opentelemetry/instrumentation-openai' },
  arize: { openai: '@arizeai/openinference-instrumentation-openai', anthropic: '@arizeai/openinference-instrumentation-anthropic' },
  traceloop: { openai: '@traceloop/instrumentation-openai', anthropic: '@traceloop/instrumentation-anthropic' },
};

export const PEER_NAMES = Object.keys(PEER_PACKAGES);

/** A new instrumentation of `peer` for `provider`'s SDK, from the bench's install (`requireDeps`). */
export function peerInstrumentation(requireDeps, peer, provider, config) {
  const pkg = PEER_PACKAGES[peer]?.[provider];
  if (pkg === undefined) throw new Error(`${peer} does not instrument ${provider}`);
  const { OpenAIInstrumentation, AnthropicInstrumentation } = requireDeps(pkg);
  return new (OpenAIInstrumentation ?? AnthropicInstrumentation)(config);
}

/**
 * The version ranges of `provider`'s SDK that `peer` patches: those its module definitions declare,
 * the ones `@opentelemetry/instrumentation` checks before calling its patch (built disabled, so that
 * it hooks nothing). From `init()`, which every version of `InstrumentationBase` has (the peers bring
 * 0.46 to 0.300; `getModuleDefinitions()` is newer), one definition or an array of them.
 */
export function peerRanges(requireDeps, peer, provider) {
  const instrumentation = peerInstrumentation(requireDeps, peer, provider, { enabled: false });
  return [instrumentation.init()]
    .flat()
    .filter((definition) => definition.name === PROVIDERS[provider].sdk)
    .flatMap((definition) => definition.supportedVersions);
}

/** Whether `peer` patches `version` of `provider`'s SDK, and the ranges it declares. */
export function peerPatches(requireDeps, peer, provider, version) {
  const ranges = peerRanges(requireDeps, peer, provider);
  const { satisfies } = requireDeps('semver');
  return { patches: ranges.some((range) => satisfies(version, range)), ranges };
}
