import type { Deployment } from '../providers/types.ts';

/**
 * Shared rate limits, asked before each upstream call once the deployment is chosen, so one check covers the
 * caller's key and the deployment (gateway/limits). Resolves false when only the deployment is at its limit
 * (the router tries another); throws the 429 when the caller's own limit refuses the request.
 */
export interface DeploymentAdmission {
  admit(deployment: Deployment): boolean | Promise<boolean>;
}
