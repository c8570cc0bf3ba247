/**
 * The one network decision (SPEC section 5): ports, addresses in every spelling, endpoints and
 * authorities, and the rule itself. Used by the guests' sockets and HTTP (host/gate/) and by
 * the native API (host/native/net.ts). Pure and platform-neutral.
 */
export { isPort, isSocketPort, parsePort, MAX_PORT, MIN_PORT, type Port } from './port.js';
export { Address, ipAddressText, isUnspecifiedHost, resolverName, type CheckedAddress } from './address.js';
export { Authority, endpointText, netTarget, socketEndpoint, HTTP_PORT, HTTPS_PORT, type Endpoint } from './endpoint.js';
export { ALLOWED, LookupMemory, NetRule, type NetCall, type NetDecision, type NetDenyReason, type NetPolicy } from './decision.js';
