/** Embeddings (`embeddings.create`) onto the GenAI conventions. */
import type { Attributes } from '@opentelemetry/api';
import type { ModelCallSpec } from '../genai-instrumentation';
import { ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, ATTR_GEN_AI_REQUEST_ENCODING_FORMATS, GEN_AI_OPERATION_EMBEDDINGS } from '../semconv';
import { asRecord, finiteNumber, nonEmptyString, putNumber } from '../values';

function requestAttributes(params: Record<string, unknown>, target: Attributes): void {
  // The params are the app's: a format the SDK chose on its own (base64) is not the app's request.
  const format = nonEmptyString(params.encoding_format);
  if (format !== undefined) target[ATTR_GEN_AI_REQUEST_ENCODING_FORMATS] = [format];
  putNumber(target, ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, params.dimensions);
}

export const embeddingsCreate: ModelCallSpec<unknown, unknown> = {
  operation: GEN_AI_OPERATION_EMBEDDINGS,
  requestAttributes,
  mapping: {
    onBody(call, body) {
      const response = asRecord(body);
      if (response === undefined) return;
      const model = nonEmptyString(response.model);
      if (model !== undefined) call.responseModel = model;
      const input = finiteNumber(asRecord(response.usage)?.prompt_tokens);
      if (input !== undefined) call.inputTokens = input;
    },
    chunkHandler() {
      return { onChunk() {} };
    },
  },
};
