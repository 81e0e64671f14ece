/**
 * The config used when none is given: mock models that need nothing, plus a real model for every provider
 * whose key is in the environment. `npm start` on a bare machine serves this.
 */
export function demoConfigText(env: Readonly<Record<string, string | undefined>>): string {
  const models = [
    entry('mock-gpt', { model: 'mock/mock-gpt' }),
    entry('mock-gpt', { model: 'mock/mock-gpt-backup', weight: 1 }),
    entry('mock-slow', { model: 'mock/mock-slow', mock_latency_ms: 500, mock_stream_chunk_delay_ms: 50 }),
    entry('mock-embedding', { model: 'mock/mock-embedding' }),
  ];
  if (present(env.OPENAI_API_KEY)) {
    models.push(entry('gpt-4o-mini', { model: 'openai/gpt-4o-mini', api_key: 'os.environ/OPENAI_API_KEY' }));
    models.push(
      entry('text-embedding-3-small', {
        model: 'openai/text-embedding-3-small',
        api_key: 'os.environ/OPENAI_API_KEY',
      }),
    );
  }
  if (present(env.ANTHROPIC_API_KEY)) {
    models.push(
      entry('claude-sonnet', {
        model: 'anthropic/claude-sonnet-4-5',
        api_key: 'os.environ/ANTHROPIC_API_KEY',
      }),
    );
  }
  if (present(env.AZURE_API_KEY) && present(env.AZURE_API_BASE) && present(env.AZURE_DEPLOYMENT)) {
    models.push(
      entry('azure-gpt', {
        model: `azure/${env.AZURE_DEPLOYMENT ?? ''}`,
        api_base: 'os.environ/AZURE_API_BASE',
        api_key: 'os.environ/AZURE_API_KEY',
      }),
    );
  }
  if (present(env.OLLAMA_API_BASE) && present(env.OLLAMA_MODEL)) {
    models.push(
      entry('ollama', {
        model: `ollama_chat/${env.OLLAMA_MODEL ?? ''}`,
        api_base: 'os.environ/OLLAMA_API_BASE',
      }),
    );
  }
  return JSON.stringify({ model_list: models, router_settings: { num_retries: 1 } });
}

function entry(modelName: string, params: Record<string, string | number>) {
  return { model_name: modelName, litellm_params: params };
}

function present(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}
