import { ProviderError } from './provider-error';

export interface OpenAiCompatibleOptions {
  /** Base URL, e.g. `https://api.openai.com/v1`; `/embeddings` is appended. */
  url: string;
  model: string;
  dimensions: number;
  /** Sent as a bearer token; never logged, never part of an error message. */
  apiKey?: string;
  requestDimensions: boolean;
  timeoutMs: number;
}

interface EmbeddingsAnswer {
  data?: Array<{ embedding?: unknown; index?: unknown }>;
}

/**
 * One `POST {url}/embeddings` in the OpenAI shape, which OpenAI, Ollama, Hugging Face TEI and
 * vLLM all serve. Plain `fetch` (Node's undici): one JSON request needs no SDK, and the SDK's
 * own retries, timeouts and OpenAI-only options would sit beside ours instead of under them.
 */
export async function requestEmbeddings(
  options: OpenAiCompatibleOptions,
  texts: string[],
): Promise<number[][]> {
  const body: Record<string, unknown> = { model: options.model, input: texts };
  if (options.requestDimensions) body.dimensions = options.dimensions;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  let response: Response;
  try {
    response = await fetch(`${options.url}/embeddings`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const name = (error as { name?: string } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new ProviderError('timeout', `no answer within ${options.timeoutMs} ms`, true);
    }
    throw new ProviderError('network', `unreachable (${causeOf(error)})`, true);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const retryAfter = Number(response.headers.get('retry-after'));
    const transient = response.status === 429 || response.status >= 500;
    throw new ProviderError(
      response.status >= 500 ? 'http_5xx' : 'http_4xx',
      `answered HTTP ${response.status}`,
      transient,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
  let answer: EmbeddingsAnswer;
  try {
    answer = (await response.json()) as EmbeddingsAnswer;
  } catch {
    throw new ProviderError('invalid', 'answered something that is not JSON', true);
  }
  return vectorsOf(answer, texts.length, options.dimensions);
}

/** The answer's vectors in input order, each checked for length and finite numbers. */
function vectorsOf(answer: EmbeddingsAnswer, count: number, dimensions: number): number[][] {
  const data = Array.isArray(answer?.data) ? answer.data : [];
  if (data.length !== count) {
    throw new ProviderError('invalid', `answered ${data.length} vectors for ${count} texts`, false);
  }
  const vectors = new Array<number[]>(count);
  data.forEach((item, position) => {
    const index = typeof item?.index === 'number' ? item.index : position;
    const embedding = item?.embedding;
    if (!Array.isArray(embedding) || embedding.length !== dimensions) {
      const length = Array.isArray(embedding) ? embedding.length : 'no';
      throw new ProviderError(
        'invalid',
        `answered a vector of ${length} dimensions; EMBEDDINGS_DIMENSIONS is ${dimensions}`,
        false,
      );
    }
    if (!embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new ProviderError('invalid', 'answered a vector with a non-number in it', false);
    }
    if (index < 0 || index >= count || vectors[index]) {
      throw new ProviderError('invalid', 'answered vectors with bad indexes', false);
    }
    vectors[index] = embedding as number[];
  });
  return vectors;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' ? cause.code : 'connection failed';
}
