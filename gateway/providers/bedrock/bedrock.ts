import type { UpstreamResponse } from '../../upstream/http.ts';
import { parseJson } from '../json.ts';
import { dropParamsOf } from '../drop-params.ts';
import { envValue, processEnv, type Env } from '../env.ts';
import { trimSlash } from '../openai/openai-compatible.ts';
import { classifiedBody } from '../stream-body.ts';
import type { CallContext, Deployment, Operation, Provider, ProviderResult, RequestBody } from '../types.ts';
import { asRecord, extraHeadersOf, tlsOf } from '../upstream-call.ts';
import { awsRegion, createRoleCache, credentialSource } from './credentials.ts';
import { embeddingCalls, toEmbeddingList } from './embeddings.ts';
import { bedrockFailureFrom } from './errors.ts';
import { toConverseRequest } from './request.ts';
import { toChatCompletion } from './response.ts';
import { signRequest, type AwsCredentials } from './sigv4.ts';
import { toChatChunks } from './stream.ts';

/** `bedrock/converse/<id>` and `bedrock/invoke/<id>` name the API LiteLLM uses; here every chat goes through Converse. */
export function bedrockModelId(model: string): string {
  for (const route of ['converse/', 'invoke/']) if (model.startsWith(route)) return model.slice(route.length);
  return model;
}

/** `aws_bedrock_runtime_endpoint` or `api_base` (a VPC endpoint, a proxy), else the regional endpoint. */
export function bedrockEndpoint(deployment: Deployment, region: string, env: Env): string {
  const configured = (deployment.params as Record<string, unknown>).aws_bedrock_runtime_endpoint;
  const endpoint =
    (typeof configured === 'string' && configured !== '' ? configured : undefined) ??
    deployment.apiBase ??
    envValue(env, ['AWS_BEDROCK_RUNTIME_ENDPOINT']) ??
    `https://bedrock-runtime.${region}.amazonaws.com`;
  return trimSlash(endpoint);
}

/**
 * AWS Bedrock (`bedrock/<model id>`): chat through the Converse and ConverseStream APIs (the stream in AWS's
 * binary event-stream framing), Titan and Cohere embeddings through InvokeModel, every request SigV4-signed.
 */
export function createBedrockProvider(env: () => Env = processEnv): Provider {
  const assumeRole = createRoleCache();
  const credentialsFor = async (
    deployment: Deployment,
    region: string,
    context: CallContext,
  ): Promise<AwsCredentials> => {
    const variables = env();
    const source = credentialSource(deployment, variables);
    return source.kind === 'static'
      ? source.credentials
      : assumeRole(source.identity, region, context.http, variables);
  };

  /** POSTs a signed JSON body; an error status becomes a ProviderError read from Bedrock's error body. */
  const post = async (
    deployment: Deployment,
    context: CallContext,
    path: string,
    body: unknown,
    accept: string,
  ): Promise<UpstreamResponse> => {
    const region = awsRegion(deployment, env());
    const url = new URL(bedrockEndpoint(deployment, region, env()) + path);
    const text = JSON.stringify(body);
    const signedHeaders = { 'content-type': 'application/json' };
    const signature = await signRequest({
      method: 'POST',
      url,
      headers: signedHeaders,
      body: text,
      region,
      service: 'bedrock',
      credentials: await credentialsFor(deployment, region, context),
      now: new Date(),
    });
    const response = await context.http.request({
      url: url.toString(),
      headers: { ...extraHeadersOf(deployment), accept, ...signedHeaders, ...signature },
      body: text,
      signal: context.signal,
      tls: tlsOf(deployment),
      idleTimeoutMs: context.idleTimeoutMs,
    });
    if (response.status >= 400) throw await bedrockFailureFrom(response);
    return response;
  };

  const chat = async (
    body: RequestBody,
    deployment: Deployment,
    context: CallContext,
  ): Promise<ProviderResult> => {
    const model = bedrockModelId(deployment.model);
    const request = toConverseRequest(body, {
      model,
      dropParams: dropParamsOf(context, deployment),
      params: deployment.params,
    });
    const streaming = body.stream === true;
    const path = `/model/${encodeURIComponent(model)}/${streaming ? 'converse-stream' : 'converse'}`;
    const response = await post(
      deployment,
      context,
      path,
      request,
      streaming ? 'application/vnd.amazon.eventstream' : 'application/json',
    );
    const requestIdHeader = response.headers['x-amzn-requestid'];
    const requestId =
      (Array.isArray(requestIdHeader) ? requestIdHeader[0] : requestIdHeader) ?? context.requestId;
    const created = Math.floor(Date.now() / 1000);
    if (streaming)
      return {
        kind: 'stream',
        frames: toChatChunks(classifiedBody(response.body, context, 'bedrock-runtime'), {
          created,
          includeUsage: asRecord(body.stream_options)?.include_usage === true,
          model,
          requestId,
        }),
      };
    return {
      kind: 'json',
      body: toChatCompletion(parseJson(await response.body.text()), { created, model, requestId }),
    };
  };

  const embed = async (
    body: RequestBody,
    deployment: Deployment,
    context: CallContext,
  ): Promise<ProviderResult> => {
    const model = bedrockModelId(deployment.model);
    const results = await Promise.all(
      embeddingCalls(model, body).map(async (call) => {
        const response = await post(
          deployment,
          context,
          `/model/${encodeURIComponent(model)}/invoke`,
          call.body,
          'application/json',
        );
        return call.read(parseJson(await response.body.text()));
      }),
    );
    return { kind: 'json', body: toEmbeddingList(model, body, results) };
  };

  return {
    name: 'bedrock',
    operations: new Set<Operation>(['chat', 'embedding']),
    defaultApiBase: undefined,
    call(operation, body, deployment, context) {
      return operation === 'embedding' ? embed(body, deployment, context) : chat(body, deployment, context);
    },
  };
}
