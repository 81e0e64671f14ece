import type { Contender, ContenderId } from './contender.ts';
import { startLiteLLM } from './litellm.ts';
import { startPassthrough } from './passthrough.ts';
import { startPortkey } from './portkey.ts';
import { isSwitchyardVariant, startSwitchyard, type SharedServices } from './switchyard.ts';

/** Starts one server under test by its id; `services` is asked for only by Switchyard's variants. */
export async function launchServer(
  id: Exclude<ContenderId, 'direct'>,
  upstreamUrl: string,
  services: () => Promise<SharedServices>,
  dir: string,
): Promise<Contender> {
  if (id === 'passthrough') return startPassthrough(upstreamUrl);
  if (id === 'portkey') return startPortkey(upstreamUrl, dir);
  if (id === 'litellm') return startLiteLLM(upstreamUrl, dir);
  if (isSwitchyardVariant(id)) return startSwitchyard(id, upstreamUrl, await services(), dir);
  throw new Error(`no contender ${id as string}`);
}
