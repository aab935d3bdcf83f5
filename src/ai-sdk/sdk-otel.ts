/**
 * The AI SDK's own OpenTelemetry integration, `@ai-sdk/otel` (`OpenTelemetry`, formerly
 * `GenAIOpenTelemetry`, and `LegacyOpenTelemetry`): when an app registers it globally
 * (`registerTelemetry(new OpenTelemetry())`, which puts it in `globalThis.AI_SDK_TELEMETRY_INTEGRATIONS`),
 * the AI SDK hands it every run that does not pass integrations of its own, and it traces that run:
 * an `invoke_agent` span, a `chat` span per model call, an `execute_tool` span per tool. We leave
 * those runs to it. An integration passed per call (`telemetry: { integrations }`) is not visible on
 * the channel; see the README.
 */

const CLASS_NAMES = new Set(['OpenTelemetry', 'LegacyOpenTelemetry', 'GenAIOpenTelemetry']);

/** Whether `integration` is one of @ai-sdk/otel's: by its class name, or (minified) by its shape. */
export function isSDKOpenTelemetry(integration: unknown): boolean {
  if (typeof integration !== 'object' || integration === null) return false;
  try {
    const name = (integration as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && CLASS_NAMES.has(name)) return true;
    const fields = integration as { callStates?: unknown; tracer?: { startSpan?: unknown } };
    return fields.callStates instanceof Map && typeof fields.tracer?.startSpan === 'function';
  } catch {
    return false;
  }
}

/** Whether @ai-sdk/otel is registered globally (checked at each run: an app may register it at any time). */
export function sdkOpenTelemetryRegistered(): boolean {
  let integrations: unknown;
  try {
    integrations = (globalThis as { AI_SDK_TELEMETRY_INTEGRATIONS?: unknown }).AI_SDK_TELEMETRY_INTEGRATIONS;
  } catch {
    return false;
  }
  return Array.isArray(integrations) && integrations.length > 0 && integrations.some(isSDKOpenTelemetry);
}
