/**
 * The address helpers the contract offers the renderer, which may import only src/shared/contract:
 * core/common/ip.ts is the one reading of address text, here under the names the UI uses.
 */
export { addressOfCidr, cidrTextContains as cidrContains, isIpAddress, parseIp, sameIpText as sameIp } from '../../core/common/ip';
