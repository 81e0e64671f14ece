/**
 * The gateway image of gateways that do not pin spec.image. Upgrading the operator changes it and so rolls
 * those gateways (after their migration Job); a pinned image never moves.
 */
export const defaultGatewayImage = 'ghcr.io/switchyard-dev/switchyard-gateway:0.1.0';
